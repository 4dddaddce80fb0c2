//! Rendering errors for people: one line, every cause once.

/// The error and its causes on one line, skipping causes that a message already quotes
/// (tagtrail's errors say *where* and embed the underlying reason; the AWS SDK's say
/// only "service error" and keep the reason in their causes).
pub fn describe(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let part = c.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = c.source();
    }
    text
}
