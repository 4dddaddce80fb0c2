//! Recognising inventory exports among the evidence: RDS describe output and database
//! user lists. Kept apart from [`super::detect`] so the log formats' rules stay short.

use super::SourceKind;

/// `text`: the start of the decompressed content, leading whitespace removed.
pub fn sniff(text: &[u8]) -> Option<SourceKind> {
    let window = &text[..text.len().min(4096)];
    let has = |needle: &[u8]| window.windows(needle.len()).any(|w| w == needle);
    if text.starts_with(b"{") {
        // A CloudTrail file can mention DBInstances inside a record; its top level is Records.
        return (!has(b"\"Records\"") && (has(b"\"DBInstances\"") || has(b"\"DBClusters\"")))
            .then_some(SourceKind::RdsInventory);
    }
    if text.starts_with(b"[") {
        let lower = window.to_ascii_lowercase();
        let has = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
        // Keys, not values: an Okta event's `"type": "User"` and `"authenticationContext"`
        // must not pass for a user list.
        let key = |name: &str| {
            has(format!("\"{name}\":").as_bytes()) || has(format!("\"{name}\" :").as_bytes())
        };
        let user = key("user") || key("user_name");
        let auth = key("plugin") || key("auth_plugin") || key("auth") || has(b"\"rds_iam\"");
        return (user && auth && !key("eventtype")).then_some(SourceKind::DbUsers);
    }
    let first_line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let header = first_line.to_ascii_lowercase();
    // The documented header, or the live MySQL query's own (`mysql -B` writes tabs).
    let headers: [&[u8]; 4] = [
        b"instance,user",
        b"instance\tuser",
        b"user,host,plugin",
        b"user\thost\tplugin",
    ];
    headers
        .iter()
        .any(|h| header.starts_with(h))
        .then_some(SourceKind::DbUsers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::detect::sniff as sniff_any;

    #[test]
    fn sniffs_inventory_exports() {
        assert_eq!(
            sniff_any(b"{\n    \"DBInstances\": [\n"),
            Some(SourceKind::RdsInventory)
        );
        assert_eq!(
            sniff_any(b"{\"DBClusters\": []}"),
            Some(SourceKind::RdsInventory)
        );
        assert_eq!(
            sniff_any(b"{\"Records\":[{\"requestParameters\":{\"DBInstances\":1}}]}"),
            Some(SourceKind::CloudTrail)
        );
        assert_eq!(
            sniff_any(b"instance,user,host,plugin\nshop-prod,bob,%,AWSAuthenticationPlugin\n"),
            Some(SourceKind::DbUsers)
        );
        assert_eq!(
            sniff_any(b"[{\"instance\":\"a\",\"user\":\"bob\",\"plugin\":\"x\"}]"),
            Some(SourceKind::DbUsers)
        );
        assert_eq!(sniff_any(b"[{\"user\":\"bob\"}]"), None);
        // An Okta System Log export is not a user list.
        assert_ne!(
            sniff_any(
                b"[{\"actor\": {\"type\": \"User\"}, \"authenticationContext\": {}, \"eventType\": \"user.session.start\"}]"
            ),
            Some(SourceKind::DbUsers)
        );
        assert_eq!(
            sniff_any(b"User\tHost\tplugin\nbob\t%\tAWSAuthenticationPlugin\n"),
            Some(SourceKind::DbUsers)
        );
        assert_eq!(sniff_any(b"user,name\n"), None);
    }
}
