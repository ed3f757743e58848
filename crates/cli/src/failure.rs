//! How a command fails: one line on stderr, the error and its causes (`agora: error: A: B: C`),
//! and an exit code: 2 for errors, 1 for a wrong password, a signature that does not verify, or
//! a non-200 answer to `dendrite dummy`.

use std::error::Error;

/// A failed command.
#[derive(Debug)]
pub struct Failure {
    /// The line printed after `agora: error: `.
    pub message: String,
    /// The exit code.
    pub code: u8,
}

impl Failure {
    /// A failure with a message and exit code 2.
    pub fn msg(message: impl Into<String>) -> Failure {
        Failure { message: message.into(), code: 2 }
    }

    /// The same failure with another exit code.
    pub fn with_code(self, code: u8) -> Failure {
        Failure { code, ..self }
    }
}

impl<E: Error> From<E> for Failure {
    /// The error and its sources on one line; a source its parent's message already ends with
    /// (a `"…: {source}"` message) is not repeated.
    fn from(e: E) -> Failure {
        let mut message = e.to_string();
        let mut source = e.source();
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.ends_with(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Failure::msg(message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("reading the state")]
    struct Outer(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("reading the state: {0}")]
    struct Spelled(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("the disk is not on fire")]
    struct Mentions(#[source] std::io::Error);

    #[test]
    fn the_cause_chain_is_printed_once() {
        let f = Failure::from(Outer(std::io::Error::other("disk on fire")));
        assert_eq!(f.message, "reading the state: disk on fire");
        assert_eq!(f.code, 2);
        // A message that ends with its cause already says it.
        let f = Failure::from(Spelled(std::io::Error::other("disk on fire")));
        assert_eq!(f.message, "reading the state: disk on fire");
        // A message that only contains the cause's text elsewhere still gets the cause.
        let f = Failure::from(Mentions(std::io::Error::other("disk")));
        assert_eq!(f.message, "the disk is not on fire: disk");
    }
}
