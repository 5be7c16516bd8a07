//! Unit tests for the threat-model adapters.
