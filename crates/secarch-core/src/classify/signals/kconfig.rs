//! Zephyr `prj.conf` (Kconfig fragment): device interfaces switched on —
//! Bluetooth, networking, Wi-Fi, USB device stack, MCUmgr (remote management,
//! firmware upload) and the shell.
//!
//! A Kconfig fragment is `CONFIG_NAME=value` per line with `#` comments (and
//! `# CONFIG_X is not set`), so reading it line by line is parsing it.

use std::collections::BTreeMap;

use super::signal;
use crate::classify::Signal;

/// Options whose enabling opens an interface to the outside world.
const INTERFACE_PREFIXES: [&str; 8] = [
    "CONFIG_BT",
    "CONFIG_NETWORKING",
    "CONFIG_NET_SOCKETS",
    "CONFIG_WIFI",
    "CONFIG_USB_DEVICE_STACK",
    "CONFIG_MCUMGR",
    "CONFIG_SHELL",
    "CONFIG_NFC",
];

pub fn signals(base: Option<&str>, head: &str) -> Vec<Signal> {
    let base = base.map(options).unwrap_or_default();
    let mut out = Vec::new();
    for (name, (value, line)) in options(head) {
        let interface = INTERFACE_PREFIXES.iter().any(|p| name.starts_with(p));
        let was_on = base.get(&name).is_some_and(|(v, _)| v == "y");
        if interface && value == "y" && !was_on {
            out.push(signal(
                "kconfig-enabled",
                format!("{name}=y enabled"),
                Some(line),
            ));
        }
    }
    out.sort_by_key(|s| s.line);
    out
}

fn options(text: &str) -> BTreeMap<String, (String, u32)> {
    let mut out = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            let v = v.split('#').next().unwrap_or("").trim().trim_matches('"');
            // Later assignments override earlier ones, as in Kconfig.
            out.insert(
                k.trim().to_string(),
                (v.to_string(), crate::classify::text::line_number(index)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bluetooth_enabled_is_reported_once() {
        let base = "CONFIG_GPIO=y\nCONFIG_BT=n\n";
        let head = "CONFIG_GPIO=y\n# comment\nCONFIG_BT=y\nCONFIG_BT_PERIPHERAL=y\nCONFIG_BT_DEVICE_NAME=\"Pump\"\nCONFIG_LOG=y\n";
        let got: Vec<_> = signals(Some(base), head)
            .into_iter()
            .map(|s| (s.message, s.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("CONFIG_BT=y enabled".to_string(), Some(3)),
                ("CONFIG_BT_PERIPHERAL=y enabled".to_string(), Some(4)),
            ]
        );
        assert!(signals(Some(head), head).is_empty());
    }
}
