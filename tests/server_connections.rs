//! `secarch serve` under slow, stalled and unsigned clients, with the real binary on loopback:
//! header and body timeouts, the connection cap, bodies refused before they are read, and the
//! memory bound of bodies in flight. Every wait is bounded ([`NO_ANSWER`]); the timeouts under
//! test are set to one second, so "closed within ten seconds" cannot flake yet would fail
//! without them (the connection stays open for ever).

mod common;
#[path = "server_support/process.rs"]
mod process;
mod support;

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use process::*;

/// A well-formed signature (`sha256=` and 64 hex digits) that matches no body.
const WRONG_SIGNATURE: &str =
    "sha256=0000000000000000000000000000000000000000000000000000000000000000";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_stalled_in_its_headers_is_closed_after_the_header_timeout() {
    let s = Served::start(&[("SECARCH_HEADER_TIMEOUT", "1")], None).await;
    let mut conn = slowloris(s.addr).await.expect("connect");
    let answer = read_until_closed(&mut conn, NO_ANSWER).await;
    assert!(answer.is_ok(), "{answer:?}");
    // An idle keep-alive connection is the same case: closed, not kept.
    let mut idle = TcpStream::connect(s.addr).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: secarch\r\n\r\n")
        .await
        .expect("write");
    let text = read_until_closed(&mut idle, NO_ANSWER)
        .await
        .expect("closed");
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(s.get("/healthz").await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_is_cut_after_the_body_timeout() {
    let s = Served::start(&[("SECARCH_BODY_TIMEOUT", "1")], None).await;
    let mut conn = TcpStream::connect(s.addr).await.expect("connect");
    let head = delivery_head("ping", Some(WRONG_SIGNATURE), 100_000);
    conn.write_all(head.as_bytes()).await.expect("write");
    conn.write_all(&[b' '; 1000]).await.expect("write");
    let text = read_until_closed(&mut conn, NO_ANSWER)
        .await
        .expect("the server cuts the body");
    let (status, body) = parse_response(&text).expect("a response");
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("SECARCH_BODY_TIMEOUT"), "{body}");
    assert_eq!(
        s.metric("secarch_webhook_body_timeouts_total").await,
        Some(1.0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsigned_and_malformed_signature_bodies_are_refused_before_they_are_read() {
    let s = Served::start(&[], None).await;
    let length = 24 * 1024 * 1024;
    for signature in [
        None,
        Some("sha256=zz"),
        Some("sha1=0000000000000000000000000000000000000000"),
        Some(&WRONG_SIGNATURE[..WRONG_SIGNATURE.len() - 1]),
    ] {
        // Only the head of a 24 MiB body is sent: the answer must not wait for the body.
        let mut conn = TcpStream::connect(s.addr).await.expect("connect");
        conn.write_all(delivery_head("ping", signature, length).as_bytes())
            .await
            .expect("write");
        let text = read_until_closed(&mut conn, NO_ANSWER)
            .await
            .unwrap_or_else(|e| panic!("{signature:?}: {e}"));
        let (status, body) = parse_response(&text).expect("a response");
        assert_eq!(status, 401, "{signature:?}: {body}");
        assert!(body.contains("X-Hub-Signature-256"), "{body}");
        // With part of the body on the way the connection is closed just the same (the answer
        // itself may be lost to the reset that unread bytes cause when a socket closes).
        let mut conn = TcpStream::connect(s.addr).await.expect("connect");
        conn.write_all(delivery_head("ping", signature, length).as_bytes())
            .await
            .expect("write");
        conn.write_all(&vec![b' '; 64 * 1024]).await.expect("write");
        let closed = read_until_closed(&mut conn, NO_ANSWER).await;
        assert!(closed.is_ok(), "{signature:?}: {closed:?}");
    }
    assert!(
        s.metric("secarch_webhook_deliveries_total{event=\"unverified\",outcome=\"unauthorized\"}")
            .await
            .is_some_and(|n| n >= 8.0)
    );
    // Well-formed but wrong: read (it has to be, to know), then refused all the same.
    let (status, _) = exchange(
        s.addr,
        {
            let mut r = delivery_head("ping", Some(WRONG_SIGNATURE), 2).into_bytes();
            r.extend_from_slice(b"{}");
            r
        }
        .as_slice(),
    )
    .await
    .expect("answer");
    assert_eq!(status, 401);
    assert_eq!(
        s.metric("secarch_webhook_body_bytes_in_flight").await,
        Some(0.0)
    );
    assert_eq!(s.signed_ping(0).await, Ok((200, "pong\n".to_string())));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_signed_deliveries_answer_while_slow_clients_outnumber_the_file_limit() {
    // 200 connections stalled in their headers against a server allowed 128 open files, with a
    // header timeout long enough that only the connection cap (derived from the file limit)
    // can make room. Without it, accept fails with EMFILE and nothing new is served.
    let s = Served::start(&[("SECARCH_HEADER_TIMEOUT", "120")], Some(128)).await;
    let mut held = Vec::new();
    for _ in 0..200 {
        if let Ok(Ok(c)) = tokio::time::timeout(NO_ANSWER, slowloris(s.addr)).await {
            held.push(c);
        }
    }
    assert_eq!(held.len(), 200, "the kernel accepts every connection");
    let health = s.get("/healthz").await;
    assert_eq!(health, Ok((200, "ok\n".to_string())), "{}", s.log_text());
    let ping = s.signed_ping(1024).await;
    assert_eq!(ping, Ok((200, "pong\n".to_string())), "{}", s.log_text());
    let cap = s
        .metric("secarch_http_max_connections")
        .await
        .expect("the cap is published");
    assert!(cap > 0.0 && cap < 128.0, "cap {cap} under the file limit");
    let open = s
        .metric("secarch_http_connections_open")
        .await
        .expect("gauge");
    assert!(open <= cap, "{open} open, cap {cap}");
    drop(held);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_shed_the_oldest_idle_ones() {
    let s = Served::start(
        &[
            ("SECARCH_MAX_CONNECTIONS", "8"),
            ("SECARCH_HEADER_TIMEOUT", "120"),
        ],
        None,
    )
    .await;
    let mut conns = Vec::new();
    for _ in 0..30 {
        conns.push(TcpStream::connect(s.addr).await.expect("connect"));
    }
    // The newest connection is served; the table never holds more than the cap.
    assert_eq!(s.get("/healthz").await, Ok((200, "ok\n".to_string())));
    let closed = futures_closed(&mut conns, Duration::from_secs(3)).await;
    assert!(
        closed >= 30 - 8,
        "only {closed} of 30 idle connections were shed"
    );
    let open = s
        .metric("secarch_http_connections_open")
        .await
        .expect("gauge");
    assert!(open <= 8.0, "{open}");
    let shed = s
        .metric("secarch_http_connections_shed_total{reason=\"evicted\"}")
        .await
        .expect("counter");
    assert!(shed >= 22.0, "{shed}");
}

/// How many of `conns` the server closes within `bound` (all are watched at once).
async fn futures_closed(conns: &mut Vec<TcpStream>, bound: Duration) -> usize {
    let mut tasks = Vec::new();
    for mut c in conns.drain(..) {
        tasks.push(tokio::spawn(async move {
            read_until_closed(&mut c, bound).await.is_ok()
        }));
    }
    let mut closed = 0;
    for t in tasks {
        closed += usize::from(t.await.unwrap_or(false));
    }
    closed
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_bodies_stay_within_the_memory_budget() {
    // Eight clients each announce 24 MiB under a well-formed (wrong) signature, send 12 MiB and
    // stall. Buffered without a bound that is 96 MiB; the budget is 25 MiB.
    let s = Served::start(
        &[
            ("SECARCH_MAX_BODY_MEMORY_MB", "25"),
            ("SECARCH_BODY_TIMEOUT", "60"),
        ],
        None,
    )
    .await;
    assert!(s.signed_ping(0).await.is_ok());
    let before = s.rss_kib().expect("rss");
    let mut writers = Vec::new();
    for _ in 0..8 {
        let addr = s.addr;
        writers.push(tokio::spawn(async move {
            let mut c = TcpStream::connect(addr).await.expect("connect");
            let head = delivery_head("ping", Some(WRONG_SIGNATURE), 24 * 1024 * 1024);
            c.write_all(head.as_bytes()).await.expect("write");
            let chunk = vec![b' '; 256 * 1024];
            for _ in 0..48 {
                // A write that makes no progress for a second means the server stopped reading.
                match tokio::time::timeout(Duration::from_secs(1), c.write_all(&chunk)).await {
                    Ok(Ok(())) => {}
                    _ => break,
                }
            }
            c
        }));
    }
    let mut held = Vec::new();
    for w in writers {
        held.push(w.await.expect("writer"));
    }
    let in_flight = s
        .metric("secarch_webhook_body_bytes_in_flight")
        .await
        .expect("gauge");
    assert!(
        in_flight <= 25.0 * 1024.0 * 1024.0,
        "{in_flight} bytes in flight"
    );
    let after = s.rss_kib().expect("rss");
    let grown_mib = after.saturating_sub(before) / 1024;
    eprintln!("bodies in flight: {in_flight} bytes; RSS {before} → {after} KiB");
    assert!(
        grown_mib < 48,
        "RSS grew by {grown_mib} MiB ({before} → {after} KiB)"
    );
    // Health answers meanwhile; once the stalled clients go, the budget is free again.
    assert_eq!(s.get("/healthz").await, Ok((200, "ok\n".to_string())));
    drop(held);
    let deadline = tokio::time::Instant::now() + NO_ANSWER;
    while s.metric("secarch_webhook_body_bytes_in_flight").await != Some(0.0) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "budget not released"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        s.signed_ping(20 * 1024 * 1024).await,
        Ok((200, "pong\n".to_string()))
    );
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_still_shuts_down_gracefully_with_slow_clients_connected() {
    let mut s = Served::start(&[("SECARCH_BODY_TIMEOUT", "1")], None).await;
    let _stalled_head = slowloris(s.addr).await.expect("connect");
    let mut stalled_body = TcpStream::connect(s.addr).await.expect("connect");
    stalled_body
        .write_all(delivery_head("ping", Some(WRONG_SIGNATURE), 1000).as_bytes())
        .await
        .expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &s.pid().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let exit = s.wait_exit(NO_ANSWER).expect("exits after SIGTERM");
    assert!(exit.success(), "{exit:?}: {}", s.log_text());
}
