use super::*;

fn decode_in(pieces: &[&[u8]]) -> Result<Vec<u8>, String> {
    let mut d = Base64Json::default();
    let mut out = Vec::new();
    for p in pieces {
        out.extend_from_slice(&d.feed(p)?);
    }
    out.extend_from_slice(&d.finish()?);
    Ok(out)
}

#[test]
fn decodes_whatever_the_chunking() {
    let body = br#" "aGVsbG8gd29y\nbGQ\/Pz8=" "#;
    let whole = decode_in(&[body]).unwrap();
    assert_eq!(whole, b"hello world???");
    for cut in 0..body.len() {
        assert_eq!(decode_in(&[&body[..cut], &body[cut..]]).unwrap(), whole, "cut at {cut}");
    }
    let bytes: Vec<&[u8]> = body.iter().map(std::slice::from_ref).collect();
    assert_eq!(decode_in(&bytes).unwrap(), whole, "one byte at a time");
}

#[test]
fn every_length_and_unpadded_and_url_safe() {
    let all: Vec<u8> = (0..=255).collect();
    for n in 0..10 {
        let data = &all[250 - n * 20..];
        let text = encode(data);
        assert_eq!(decode_in(&[format!("\"{text}\"").as_bytes()]).unwrap(), data);
        let unpadded = text.trim_end_matches('=');
        assert_eq!(decode_in(&[format!("\"{unpadded}\"").as_bytes()]).unwrap(), data);
        let url_safe = text.replace('+', "-").replace('/', "_");
        assert_eq!(decode_in(&[format!("\"{url_safe}\"").as_bytes()]).unwrap(), data);
    }
}

#[test]
fn refuses_what_is_not_base64_in_a_string() {
    for (body, why) in [
        (&br#"{"a":1}"#[..], "not a string"),
        (br#""aGVs"#, "cut off"),
        (br#""aGVsbA==QQ""#, "after its padding"),
        (br#""aG?s""#, "is not base64"),
        (br#""aGVsb""#, "lone"),
        (br#""aGVs" x"#, "after the closing quote"),
    ] {
        let e = decode_in(&[body]).unwrap_err();
        assert!(e.contains(why) && e.contains("at byte"), "{e}");
    }
}

/// A reference encoder for the tests.
fn encode(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in data.chunks(3) {
        let n =
            (u32::from(c[0]) << 16) | (u32::from(*c.get(1).unwrap_or(&0)) << 8) | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                s.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}
