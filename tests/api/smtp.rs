//! A real SMTP server in the test process: it speaks the protocol over TCP,
//! keeps what it receives, and answers the end of DATA with scripted codes.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub data: String,
}

impl Received {
    pub fn subject(&self) -> String {
        // The header may be folded over several lines.
        let mut raw = String::new();
        let mut inside = false;
        for line in self.data.lines() {
            if let Some(rest) = line.strip_prefix("Subject: ") {
                raw.push_str(rest);
                inside = true;
            } else if inside && line.starts_with([' ', '\t']) {
                raw.push_str(line);
            } else if inside {
                break;
            }
        }
        decode_subject(&raw)
    }
}

impl Received {
    /// The text/plain part, decoded from its transfer encoding.
    pub fn text(&self) -> String {
        let Some(start) = self.data.find("Content-Type: text/plain") else {
            return String::new();
        };
        let part = &self.data[start..];
        let encoding = part
            .lines()
            .take_while(|line| !line.is_empty())
            .find_map(|line| line.strip_prefix("Content-Transfer-Encoding: "))
            .unwrap_or("7bit")
            .trim()
            .to_ascii_lowercase();
        let body: Vec<&str> = part
            .lines()
            .skip_while(|line| !line.is_empty())
            .skip(1)
            .take_while(|line| !line.starts_with("--"))
            .collect();
        match encoding.as_str() {
            "base64" => base64_decode(&body.concat()).unwrap_or_default(),
            "quoted-printable" => quoted_printable(&body),
            _ => body.join("\n"),
        }
    }
}

fn quoted_printable(lines: &[&str]) -> String {
    let mut bytes = Vec::new();
    for line in lines {
        let (line, soft) = match line.strip_suffix('=') {
            Some(rest) => (rest, true),
            None => (*line, false),
        };
        let raw = line.as_bytes();
        let mut i = 0;
        while i < raw.len() {
            if raw[i] == b'=' && i + 2 < raw.len() {
                let hex = std::str::from_utf8(&raw[i + 1..i + 3]).unwrap_or("");
                if let Ok(byte) = u8::from_str_radix(hex, 16) {
                    bytes.push(byte);
                    i += 3;
                    continue;
                }
            }
            bytes.push(raw[i]);
            i += 1;
        }
        if !soft {
            bytes.push(b'\n');
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Subjects come RFC 2047-encoded (`=?utf-8?b?...?=`) when not ASCII; the
/// white space between two encoded words is not part of the text.
fn decode_subject(raw: &str) -> String {
    let mut text = String::new();
    let mut after_encoded = false;
    for word in raw.split_whitespace() {
        let decoded = word
            .strip_prefix("=?utf-8?b?")
            .and_then(|rest| rest.strip_suffix("?="))
            .and_then(base64_decode);
        match decoded {
            Some(decoded) => {
                if !text.is_empty() && !after_encoded {
                    text.push(' ');
                }
                text.push_str(&decoded);
                after_encoded = true;
            }
            None => {
                if !text.is_empty() {
                    text.push(' ');
                }
                text.push_str(word);
                after_encoded = false;
            }
        }
    }
    text
}

fn base64_decode(text: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in text.bytes().filter(|b| *b != b'=') {
        let value = ALPHABET.iter().position(|a| *a == byte)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).ok()
}

#[derive(Clone)]
pub struct SmtpSink {
    pub address: SocketAddr,
    received: Arc<Mutex<Vec<Received>>>,
    script: Arc<Mutex<VecDeque<u16>>>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        Self::start_on("127.0.0.1:0").await
    }

    /// Listens on `address` (a port a test reserved, to start the server late).
    pub async fn start_on(address: &str) -> Self {
        let listener = TcpListener::bind(address)
            .await
            .expect("bind the SMTP sink");
        let sink = Self {
            address: listener.local_addr().unwrap(),
            received: Arc::default(),
            script: Arc::default(),
        };
        let served = sink.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let session = served.clone();
                tokio::spawn(async move {
                    let _ = session.converse(stream).await;
                });
            }
        });
        sink
    }

    pub fn url(&self) -> String {
        format!("smtp://{}", self.address)
    }

    /// The next messages' DATA will be answered with these codes, in turn.
    pub fn answer_next(&self, codes: &[u16]) {
        self.script.lock().unwrap().extend(codes);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits until at least `count` messages arrived (at most `seconds`).
    pub async fn wait_for(&self, count: usize, seconds: u64) -> Vec<Received> {
        for _ in 0..seconds * 20 {
            if self.received.lock().unwrap().len() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.received()
    }

    async fn converse(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 sink.test ESMTP\r\n").await?;
        let mut to = Vec::new();
        while let Some(line) = lines.next_line().await? {
            let command = line.to_ascii_uppercase();
            let reply: String = if command.starts_with("EHLO") || command.starts_with("HELO") {
                "250 sink.test".into()
            } else if command.starts_with("MAIL FROM") {
                to.clear();
                "250 OK".into()
            } else if command.starts_with("RCPT TO") {
                to.push(
                    line[8..]
                        .trim()
                        .trim_matches(|c| c == '<' || c == '>' || c == ':')
                        .to_string(),
                );
                "250 OK".into()
            } else if command == "DATA" {
                write.write_all(b"354 go ahead\r\n").await?;
                let mut data = String::new();
                while let Some(line) = lines.next_line().await? {
                    if line == "." {
                        break;
                    }
                    data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    data.push('\n');
                }
                let code = self.script.lock().unwrap().pop_front().unwrap_or(250);
                if code == 250 {
                    self.received.lock().unwrap().push(Received {
                        to: to.clone(),
                        data,
                    });
                    "250 queued".into()
                } else if code < 500 {
                    format!("{code} try again later")
                } else {
                    format!("{code} mailbox unavailable")
                }
            } else if command == "QUIT" {
                write.write_all(b"221 bye\r\n").await?;
                return Ok(());
            } else {
                "250 OK".into()
            };
            write.write_all(format!("{reply}\r\n").as_bytes()).await?;
        }
        Ok(())
    }
}
