//! The browsers' native messaging framing: each message is UTF-8 JSON preceded by its
//! length as a 32-bit unsigned integer in native byte order, the same both ways, one
//! message after the other on the host's stdin and stdout.
//!
//! Size limits, as documented:
//! - Chrome (<https://developer.chrome.com/docs/extensions/develop/concepts/native-messaging#native-messaging-host-protocol>):
//!   "The maximum size of a single message from the native messaging host is 1 MB, mainly
//!   to protect Chrome from misbehaving native applications"; messages to the host may be
//!   far larger.
//! - Firefox (MDN, <https://developer.mozilla.org/en-US/docs/Mozilla/Add-ons/WebExtensions/Native_messaging#app_side>):
//!   "The maximum size of a single message from the application is 1 MB. The maximum size
//!   of a message sent to the application is 4 GB." Firefox's reader enforces
//!   `MAX_READ = 1024 * 1024` bytes (`toolkit/components/extensions/NativeMessaging.sys.mjs`).
//!
//! So every response stays under [`MAX_RESPONSE`] (1,000,000 bytes, below both readings of
//! "1 MB"), and the host, which only ever receives short requests, reads at most
//! [`MAX_REQUEST`] bytes of one: a longer one is read to its end and discarded
//! ([`Frame::TooLarge`]), so the stream stays in step and the next request is served.

use std::io::{self, Read, Write};

/// The longest request the host reads (1 MiB); a longer one is skipped.
pub const MAX_REQUEST: u32 = 1024 * 1024;

/// The longest response the host writes: under Chrome's and Firefox's 1 MB.
pub const MAX_RESPONSE: usize = 1_000_000;

/// One message read from the browser.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    /// The message's bytes (not yet known to be JSON).
    Message(Vec<u8>),
    /// A message longer than [`MAX_REQUEST`], read and discarded; its length.
    TooLarge(u32),
}

/// Reads the next message. `Ok(None)` at the end of the input between messages (the
/// browser closed the pipe); an input that ends inside a message is an
/// [`io::ErrorKind::UnexpectedEof`] error.
pub fn read_frame(input: &mut impl Read) -> io::Result<Option<Frame>> {
    let mut prefix = [0u8; 4];
    let mut filled = 0;
    while filled < prefix.len() {
        match input.read(&mut prefix[filled..]) {
            Ok(0) if filled == 0 => return Ok(None),
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    let len = u32::from_ne_bytes(prefix);
    let mut body = input.take(u64::from(len));
    if len > MAX_REQUEST {
        let skipped = io::copy(&mut body, &mut io::sink())?;
        return if skipped == u64::from(len) {
            Ok(Some(Frame::TooLarge(len)))
        } else {
            Err(io::ErrorKind::UnexpectedEof.into())
        };
    }
    let mut message = Vec::with_capacity(len as usize);
    body.read_to_end(&mut message)?;
    if message.len() != len as usize {
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(Some(Frame::Message(message)))
}

/// Writes one message and flushes it (the browser waits for it). A message of
/// [`MAX_RESPONSE`] bytes or more is an [`io::ErrorKind::InvalidInput`] error: the browser
/// would drop the connection.
pub fn write_frame(output: &mut impl Write, message: &[u8]) -> io::Result<()> {
    if message.len() >= MAX_RESPONSE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "a response of {} bytes is over the browsers' limit",
                message.len()
            ),
        ));
    }
    // Below MAX_RESPONSE, so it fits in 32 bits.
    output.write_all(&(message.len() as u32).to_ne_bytes())?;
    output.write_all(message)?;
    output.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed(body: &[u8]) -> Vec<u8> {
        let mut bytes = (body.len() as u32).to_ne_bytes().to_vec();
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn messages_are_read_in_order_until_the_end() {
        let input = [framed(b"{\"a\":1}"), framed(b"[]")].concat();
        let mut input = &input[..];
        assert_eq!(
            read_frame(&mut input).unwrap(),
            Some(Frame::Message(b"{\"a\":1}".to_vec()))
        );
        assert_eq!(
            read_frame(&mut input).unwrap(),
            Some(Frame::Message(b"[]".to_vec()))
        );
        assert_eq!(read_frame(&mut input).unwrap(), None);
    }

    #[test]
    fn an_input_ending_inside_a_message_is_an_error() {
        for cut in [1, 3, 5] {
            let whole = framed(b"{\"type\":\"hello\"}");
            let err = read_frame(&mut &whole[..cut]).unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof, "cut at {cut}");
        }
    }

    #[test]
    fn a_message_over_the_limit_is_skipped_and_the_next_one_read() {
        let big = vec![b' '; MAX_REQUEST as usize + 1];
        let input = [framed(&big), framed(b"{}")].concat();
        let mut input = &input[..];
        assert_eq!(
            read_frame(&mut input).unwrap(),
            Some(Frame::TooLarge(MAX_REQUEST + 1))
        );
        assert_eq!(
            read_frame(&mut input).unwrap(),
            Some(Frame::Message(b"{}".to_vec()))
        );
    }

    #[test]
    fn a_written_message_is_its_native_endian_length_and_bytes() {
        let mut out = Vec::new();
        write_frame(&mut out, b"{\"ok\":true}").unwrap();
        assert_eq!(out[..4], 11u32.to_ne_bytes());
        assert_eq!(&out[4..], b"{\"ok\":true}");
    }

    #[test]
    fn a_response_at_the_limit_is_not_written() {
        let mut out = Vec::new();
        let err = write_frame(&mut out, &vec![b' '; MAX_RESPONSE]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(out.is_empty());
    }
}
