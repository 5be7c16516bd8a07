//! The verdict: a pure function from triggers, document state, lint findings and
//! sign-offs to a conclusion with reasons and next steps.
