//! Request bodies must keep coming: after a grace of `GRACE`, a body has to
//! arrive at `MIN_RATE` bytes a second on average, or the read fails (the
//! API answers 400, and the connection is freed). A client that sends a
//! byte a second would otherwise hold a connection and a worker's read for
//! as long as it likes; actix cuts only slow heads.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

/// How long any body may take to start and to send its first `MIN_RATE` × 10 bytes.
pub const GRACE: Duration = Duration::from_secs(10);

/// The slowest average a body may keep after the grace: 1 KiB a second.
pub const MIN_RATE: u64 = 1024;

/// What a body read too slowly fails with.
pub const TOO_SLOW: &str = "the request body arrived too slowly";

/// A body that must arrive by its deadline: `GRACE` after the request,
/// plus a second for every `MIN_RATE` bytes received.
struct Paced {
    inner: Payload,
    started: Instant,
    received: u64,
    deadline: Pin<Box<Sleep>>,
}

impl Paced {
    fn new(inner: Payload) -> Self {
        let started = Instant::now();
        Self {
            inner,
            started,
            received: 0,
            deadline: Box::pin(tokio::time::sleep_until(started + GRACE)),
        }
    }
}

impl Stream for Paced {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                this.received += bytes.len() as u64;
                let earned = Duration::from_millis(this.received.saturating_mul(1000) / MIN_RATE);
                let deadline = this.started + GRACE + earned;
                this.deadline.as_mut().reset(deadline);
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Pending => match this.deadline.as_mut().poll(cx) {
                Poll::Ready(()) => Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    TOO_SLOW,
                ))))),
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}

/// Puts every request's body under the pace (for `App::wrap_fn`).
pub fn pace(mut request: ServiceRequest) -> ServiceRequest {
    let body = request.take_payload();
    let paced: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> =
        Box::pin(Paced::new(body));
    request.set_payload(Payload::from(paced));
    request
}

/// Whether a body's read failed for being too slow.
pub fn too_slow(error: &PayloadError) -> bool {
    matches!(error, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut)
}
