//! A stream that holds its connection's admission slots until it is dropped.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::admission::Slot;

/// `io` with the slots of its connection. Slots added later through [`crate::Conn::hold`] (a
/// WebSocket's, once the upgrade is accepted) live as long as the stream: an upgraded stream moves
/// into the WebSocket task, so its slots are freed when the WebSocket ends, not when the HTTP
/// exchange does.
///
/// A write that cannot progress for `write_stall` (the peer reads nothing: its window and our send
/// buffer are full) fails with `TimedOut`, which ends the connection and frees its slots; without
/// it a peer that stops reading would hold them for ever.
pub struct Held<T> {
    io: T,
    _slot: Slot,
    _extra: Arc<Mutex<Vec<Slot>>>,
    write_stall: Duration,
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
    /// A write stalled out: reads fail too, so the reading half (a WebSocket's) ends as well.
    dead: bool,
    reader: Option<std::task::Waker>,
}

impl<T> Held<T> {
    pub(crate) fn new(io: T, slot: Slot, extra: Arc<Mutex<Vec<Slot>>>, write_stall: Duration) -> Held<T> {
        Held { io, _slot: slot, _extra: extra, write_stall, stalled: None, dead: false, reader: None }
    }

    /// Turns a pending write into `TimedOut` once it has been pending for `write_stall`.
    fn watch<R>(&mut self, cx: &mut Context<'_>, poll: Poll<std::io::Result<R>>) -> Poll<std::io::Result<R>> {
        if poll.is_ready() {
            self.stalled = None;
            return poll;
        }
        let stall = self.write_stall;
        let timer = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(stall)));
        if timer.as_mut().poll(cx).is_ready() {
            self.dead = true;
            if let Some(reader) = self.reader.take() {
                reader.wake();
            }
            return Poll::Ready(Err(stalled(stall)));
        }
        Poll::Pending
    }
}

fn stalled(stall: Duration) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, format!("the peer read nothing for {stall:?}"))
}

impl<T: AsyncRead + Unpin> AsyncRead for Held<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        if self.dead {
            return Poll::Ready(Err(stalled(self.write_stall)));
        }
        let poll = Pin::new(&mut self.io).poll_read(cx, buf);
        if poll.is_pending() {
            self.reader = Some(cx.waker().clone());
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Held<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.io).poll_write(cx, buf);
        self.watch(cx, poll)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let poll = Pin::new(&mut self.io).poll_flush(cx);
        self.watch(cx, poll)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        self.watch(cx, poll)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
