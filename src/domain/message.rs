//! An email to send, as the templates write it and the outbox keeps it.

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Email {
    /// What caused it, e.g. `invitation`, `demand`, `shortage`.
    pub kind: &'static str,
    pub recipient: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}
