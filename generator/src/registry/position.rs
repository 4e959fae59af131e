//! Finds the line and column of the value a JSON Pointer names, in the text it was parsed from.
//!
//! serde_json keeps no spans, so on the (rare) error path we scan the text again. The scan is
//! iterative and only descends along the pointer, so deep or large documents cannot overflow it.

/// Splits a JSON Pointer into its unescaped reference tokens.
pub(crate) fn pointer_tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Escapes one reference token for a JSON Pointer.
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// serde_json's error message without its " at line L column C" suffix (callers print the
/// position in their own `file:line:column` form).
pub fn json_error_message(err: &serde_json::Error) -> String {
    let message = err.to_string();
    match message.split_once(" at line ") {
        Some((head, _)) => head.to_owned(),
        None => message,
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// Line and column of the value at `pointer` in the JSON `text`; for a pointer that does not
/// fully resolve, the deepest value that does.
pub fn locate(text: &str, pointer: &str) -> Option<(usize, usize)> {
    let offset = locate_offset(text, pointer)?;
    Some(line_column(text, offset))
}

fn locate_offset(text: &str, pointer: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut pos = skip_ws(bytes, 0);
    if pos >= bytes.len() {
        return None;
    }
    for token in pointer_tokens(pointer) {
        match bytes[pos] {
            b'{' => {
                let mut p = skip_ws(bytes, pos + 1);
                let mut found = None;
                while p < bytes.len() && bytes[p] == b'"' {
                    let (key, after) = read_string(bytes, p)?;
                    let colon = skip_ws(bytes, after);
                    if bytes.get(colon) != Some(&b':') {
                        return Some(pos);
                    }
                    let value = skip_ws(bytes, colon + 1);
                    if key == token {
                        found = Some(value);
                        break;
                    }
                    p = skip_ws(bytes, skip_value(bytes, value)?);
                    if bytes.get(p) == Some(&b',') {
                        p = skip_ws(bytes, p + 1);
                    }
                }
                match found {
                    Some(value) => pos = value,
                    None => return Some(pos),
                }
            }
            b'[' => {
                let Ok(index) = token.parse::<usize>() else {
                    return Some(pos);
                };
                let mut p = skip_ws(bytes, pos + 1);
                for _ in 0..index {
                    if p >= bytes.len() || bytes[p] == b']' {
                        return Some(pos);
                    }
                    p = skip_ws(bytes, skip_value(bytes, p)?);
                    if bytes.get(p) == Some(&b',') {
                        p = skip_ws(bytes, p + 1);
                    }
                }
                if p >= bytes.len() || bytes[p] == b']' {
                    return Some(pos);
                }
                pos = p;
            }
            _ => return Some(pos),
        }
    }
    Some(pos)
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && matches!(bytes[pos], b' ' | b'\t' | b'\n' | b'\r') {
        pos += 1;
    }
    pos
}

/// Reads the string starting at `pos` (a `"`); returns it unescaped and the offset after it.
fn read_string(bytes: &[u8], pos: usize) -> Option<(String, usize)> {
    let end = string_end(bytes, pos)?;
    let raw = std::str::from_utf8(&bytes[pos..end]).ok()?;
    let key = serde_json::from_str::<String>(raw).ok()?;
    Some((key, end))
}

/// Offset just after the string starting at `pos`.
fn string_end(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut p = pos + 1;
    while p < bytes.len() {
        match bytes[p] {
            b'\\' => p += 2,
            b'"' => return Some(p + 1),
            _ => p += 1,
        }
    }
    None
}

/// Offset just after the value starting at `pos`, without recursion.
fn skip_value(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut p = pos;
    loop {
        let b = *bytes.get(p)?;
        match b {
            b'"' => {
                p = string_end(bytes, p)?;
                if depth == 0 {
                    return Some(p);
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth == 0 => return Some(p),
            b'}' | b']' => {
                depth -= 1;
                if depth == 0 {
                    return Some(p + 1);
                }
            }
            b',' | b' ' | b'\t' | b'\n' | b'\r' | b':' if depth == 0 => return Some(p),
            _ => {}
        }
        p += 1;
    }
}

/// A URI fragment or path with its `%XX` escapes decoded; `None` when an escape is broken or
/// the bytes are not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_nested_values() {
        let text = "{\n  \"a\": [1, {\"b~/c\": \"x\"}],\n  \"d\": {\"e\": true}\n}";
        assert_eq!(locate(text, ""), Some((1, 1)));
        assert_eq!(locate(text, "/a"), Some((2, 8)));
        assert_eq!(locate(text, "/a/1/b~0~1c"), Some((2, 21)));
        assert_eq!(locate(text, "/d/e"), Some((3, 14)));
        // A missing key points at the deepest value that exists.
        assert_eq!(locate(text, "/d/zzz"), Some((3, 8)));
    }

    #[test]
    fn counts_columns_in_characters() {
        assert_eq!(line_column("é\"x", 3), (1, 3));
    }
}
