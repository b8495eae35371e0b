//! Where email goes: SMTP (lettre, rustls, pooled), a folder of .eml files, or the log.

use std::time::Duration;

use anyhow::Context;
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::{EmailSettings, EmailUrl};

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// A 5xx reply or a message that can never be sent: no point retrying.
    pub permanent: bool,
    pub reason: String,
}

/// A message to send, as the outbox holds it.
#[derive(Debug, Clone, Copy)]
pub struct Letter<'a> {
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Log,
}

impl Transport {
    pub fn new(settings: &EmailSettings) -> anyhow::Result<Self> {
        Ok(match settings.url.clone() {
            EmailUrl::Smtp(url) => Self::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(&url)
                    .with_context(|| "reading KADRY_EMAIL_URL")?
                    .timeout(Some(Duration::from_secs(settings.timeout_seconds)))
                    .build(),
            ),
            EmailUrl::File(folder) => {
                std::fs::create_dir_all(&folder)
                    .with_context(|| format!("creating the email folder {}", folder.display()))?;
                Self::File(AsyncFileTransport::<Tokio1Executor>::new(folder))
            }
            EmailUrl::Log => Self::Log,
        })
    }

    pub async fn send(&self, from: &Mailbox, message: &Letter<'_>) -> Result<(), Failure> {
        let permanent = |reason: String| Failure {
            permanent: true,
            reason,
        };
        let to: Mailbox = message.recipient.parse().map_err(|e| {
            permanent(format!(
                "the address {:?} is invalid: {e}",
                message.recipient
            ))
        })?;
        let email = Message::builder()
            .from(from.clone())
            .to(to)
            .subject(message.subject)
            .multipart(MultiPart::alternative_plain_html(
                message.text.to_string(),
                message.html.to_string(),
            ))
            .map_err(|e| permanent(format!("the message cannot be built: {e}")))?;
        match self {
            Self::Smtp(smtp) => smtp.send(email).await.map(|_| ()).map_err(|e| Failure {
                permanent: e.is_permanent(),
                reason: e.to_string(),
            }),
            Self::File(file) => file.send(email).await.map(|_| ()).map_err(|e| Failure {
                permanent: false,
                reason: e.to_string(),
            }),
            Self::Log => {
                // For trials without a mail server: the whole text, links
                // included, so that an invitation can be followed from the log.
                tracing::info!(to = %message.recipient, subject = %message.subject, text = %message.text, "email (log transport)");
                Ok(())
            }
        }
    }
}
