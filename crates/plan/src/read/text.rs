//! Character classes of notice text: full-width and half-width forms of the same mark.

pub fn is_colon(c: char) -> bool {
    matches!(c, ':' | '：' | '∶')
}

pub fn is_open_paren(c: char) -> bool {
    matches!(c, '(' | '（' | '〔' | '[' | '［' | '【')
}

pub fn is_close_paren(c: char) -> bool {
    matches!(c, ')' | '）' | '〕' | ']' | '］' | '】')
}

/// Marks that end a clause inside a sentence or end the sentence.
pub fn is_clause_end(c: char) -> bool {
    matches!(c, '，' | ',' | '。' | '；' | ';' | '：' | ':' | '！' | '？')
}

/// Punctuation a title or a name never ends with.
pub fn is_trailing_punct(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '。' | '.' | '．' | ':' | '：' | ';' | '；' | ',' | '，' | '、' | '！' | '!'
        )
}

pub fn digit_value(c: char) -> Option<u32> {
    if c.is_ascii_digit() {
        c.to_digit(10)
    } else if ('０'..='９').contains(&c) {
        Some(c as u32 - '０' as u32)
    } else {
        None
    }
}

pub fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// The text with all whitespace removed: for comparing labels written as 索 引 号.
pub fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Trims whitespace and trailing punctuation.
pub fn trim_punct(text: &str) -> &str {
    text.trim().trim_end_matches(is_trailing_punct).trim()
}

/// The byte index of the bracket that closes the one opening at `open` (which must be
/// an opening bracket), counting nesting; None when it is never closed.
pub fn matching_close(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in text[open..].char_indices() {
        if is_open_paren(c) {
            depth += 1;
        } else if is_close_paren(c) {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(open + i);
            }
        }
    }
    None
}
