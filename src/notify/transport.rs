//! Where email goes: SMTP (lettre, rustls, pooled), a folder of .eml files, or the log.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::outbox::Claimed;
use crate::config::EmailSettings;

/// `KADRY_EMAIL_URL`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailUrl {
    Smtp(String),
    File(PathBuf),
    Log,
}

impl EmailUrl {
    pub fn parse(url: &str) -> anyhow::Result<Self> {
        if url == "log" {
            return Ok(Self::Log);
        }
        if url.starts_with("smtp://") || url.starts_with("smtps://") {
            return Ok(Self::Smtp(url.to_string()));
        }
        if let Some(path) = url.strip_prefix("file://") {
            if path.is_empty() {
                bail!("email.url {url:?} names no folder");
            }
            return Ok(Self::File(PathBuf::from(path)));
        }
        bail!("email.url must be smtp://..., smtps://..., file:///folder or log, not {url:?}")
    }
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// A 5xx reply or a message that can never be sent: no point retrying.
    pub permanent: bool,
    pub reason: String,
}

pub enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
    Log,
}

impl Transport {
    pub fn new(settings: &EmailSettings) -> anyhow::Result<Self> {
        Ok(match EmailUrl::parse(&settings.url)? {
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

    pub async fn send(&self, from: &Mailbox, message: &Claimed) -> Result<(), Failure> {
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
            .subject(&message.subject)
            .multipart(MultiPart::alternative_plain_html(
                message.body_text.clone(),
                message.body_html.clone(),
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
                tracing::info!(to = %message.recipient, subject = %message.subject, "email (log transport)");
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::EmailUrl;

    #[test]
    fn the_transport_follows_the_url() {
        assert_eq!(EmailUrl::parse("log").unwrap(), EmailUrl::Log);
        assert!(matches!(
            EmailUrl::parse("smtp://u:p@mail:587").unwrap(),
            EmailUrl::Smtp(_)
        ));
        assert!(matches!(
            EmailUrl::parse("smtps://mail").unwrap(),
            EmailUrl::Smtp(_)
        ));
        assert_eq!(
            EmailUrl::parse("file:///tmp/mail").unwrap(),
            EmailUrl::File("/tmp/mail".into())
        );
        for bad in ["", "http://mail", "file://", "mail.example"] {
            assert!(EmailUrl::parse(bad).is_err(), "{bad:?}");
        }
    }
}
