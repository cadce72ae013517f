//! Validation of single entities, as twitter-text's `isValidUsername`,
//! `isValidList`, `isValidHashtag` and `isValidUrl`.
//!
//! The first three reuse the extractors, as the library does. `isValidUrl`
//! splits the URL with one regex and then requires that the *first* match of
//! each part's regex (in backtracking order) is the whole part: a URL can
//! have a valid reading and still fail because the engine found a shorter
//! one first (`http://1.2.3.45` is invalid: the IPv4 alternative matches
//! `1.2.3.4`). To reproduce that, the authority is checked with a small
//! backtracking matcher that tries alternatives in the library's order.
//!
//! ```
//! use xpost_transform::validate;
//!
//! assert!(validate::is_valid_username("@jack"));
//! assert!(validate::is_valid_list("@jack/list-1"));
//! assert!(validate::is_valid_hashtag("#tbt"));
//! assert!(validate::is_valid_url("https://example.com/a?b=c#d", true, true));
//! assert!(!validate::is_valid_url("example.com", true, true));
//! ```

use crate::extract;

/// Whether `text` is exactly one `@username`, as `isValidUsername`.
pub fn is_valid_username(text: &str) -> bool {
    let found = extract::mentions(text);
    matches!(found.as_slice(), [e] if Some(e.value_in(text)) == after_first_unit(text))
}

/// Whether `text` is exactly one `@username/list`, as `isValidList`.
pub fn is_valid_list(text: &str) -> bool {
    let bytes = text.as_bytes();
    let sign = if bytes.first() == Some(&b'@') {
        1
    } else if text.starts_with('＠') {
        3
    } else {
        return false;
    };
    let word = |from: usize, dash: bool| {
        bytes[from..]
            .iter()
            .take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_' || (dash && b == b'-'))
            .count()
    };
    let name = word(sign, false);
    let slash = sign + name;
    if !(1..=20).contains(&name) || bytes.get(slash) != Some(&b'/') {
        return false;
    }
    if !bytes.get(slash + 1).is_some_and(u8::is_ascii_alphabetic) {
        return false;
    }
    let tail = word(slash + 2, true);
    tail <= 24 && slash + 2 + tail == bytes.len()
}

/// Whether `text` is exactly one `#hashtag`, as `isValidHashtag`.
pub fn is_valid_hashtag(text: &str) -> bool {
    let found = extract::hashtags(text);
    matches!(found.as_slice(), [e] if Some(e.value_in(text)) == after_first_unit(text))
}

/// `text.slice(1)`: the text without its first UTF-16 unit, when that is a
/// whole character.
fn after_first_unit(text: &str) -> Option<&str> {
    let c = text.chars().next()?;
    (c.len_utf16() == 1).then(|| &text[c.len_utf8()..])
}

/// Whether `url` is a valid URL, as `isValidUrl(url, unicodeDomains,
/// requireProtocol)`: with `require_protocol` the scheme must be `http` or
/// `https`; with `unicode_domains` the host may hold non-ASCII labels.
pub fn is_valid_url(url: &str, unicode_domains: bool, require_protocol: bool) -> bool {
    let Some(parts) = split_url(url) else {
        return false;
    };
    if require_protocol
        && !parts
            .scheme
            .is_some_and(|s| s.eq_ignore_ascii_case("http") || s.eq_ignore_ascii_case("https"))
    {
        return false;
    }
    if !valid_path(parts.path)
        || !parts.query.is_none_or(valid_query)
        || !parts.fragment.is_none_or(valid_query)
    {
        return false;
    }
    let chars: Vec<char> = parts.authority.chars().collect();
    // The matcher backtracks by recursion, one level per domain label; an
    // authority this long is no real host (DNS names stop at 253
    // characters), and refusing it keeps the stack bounded on any input.
    // The official library has no such bound: this is the one place where
    // this crate answers differently, and only for such monsters.
    if chars.len() > MAX_AUTHORITY_CHARS {
        return false;
    }
    let node = if unicode_domains {
        authority(true)
    } else {
        authority(false)
    };
    let mut first_end = None;
    node.matches(&chars, 0, &mut |end| {
        first_end = Some(end);
        true
    });
    first_end == Some(chars.len())
}

/// The longest authority (user info, host and port) [`is_valid_url`] examines.
const MAX_AUTHORITY_CHARS: usize = 512;

/// The parts of `validateUrlUnencoded`.
struct UrlParts<'a> {
    scheme: Option<&'a str>,
    authority: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

/// Splits as `^(?:([^:/?#]+):\/\/)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$`.
fn split_url(url: &str) -> Option<UrlParts<'_>> {
    if url.is_empty() {
        return None;
    }
    let (scheme, rest) = match url.find([':', '/', '?', '#']) {
        Some(i) if i > 0 && url[i..].starts_with("://") => (Some(&url[..i]), &url[i + 3..]),
        _ => (None, url),
    };
    let a = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, rest) = rest.split_at(a);
    let p = rest.find(['?', '#']).unwrap_or(rest.len());
    let (path, rest) = rest.split_at(p);
    let (query, rest) = match rest.strip_prefix('?') {
        Some(q) => {
            let f = q.find('#').unwrap_or(q.len());
            (Some(&q[..f]), &q[f..])
        }
        None => (None, rest),
    };
    let fragment = rest.strip_prefix('#');
    // `.` stops at line terminators, and then `$` cannot match.
    if fragment.is_some_and(|f| f.contains(['\n', '\r', '\u{2028}', '\u{2029}'])) {
        return None;
    }
    Some(UrlParts {
        scheme,
        authority,
        path,
        query,
        fragment,
    })
}

/// `validateUrlUnreserved` (flag i).
fn unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '-' | '.' | '_' | '~' | '\u{0400}'..='\u{04FF}' | '\u{1C80}'..='\u{1C87}')
}

/// `validateUrlSubDelims`.
fn sub_delim(c: char) -> bool {
    matches!(
        c,
        '!' | '$' | '&' | '\'' | '(' | ')' | '*' | '+' | ',' | ';' | '='
    )
}

/// Whether every character of `s` is allowed by `one` or is a valid `%XX`.
fn all_pchars(s: &str, one: impl Fn(char) -> bool) -> bool {
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c == '%' {
            let hex = |c: Option<char>| c.is_some_and(|c| c.is_ascii_hexdigit());
            if !(hex(it.next()) && hex(it.next())) {
                return false;
            }
        } else if !one(c) {
            return false;
        }
    }
    true
}

/// `validateUrlPath`: `(\/pchar*)*`.
fn valid_path(path: &str) -> bool {
    (path.is_empty() || path.starts_with('/'))
        && all_pchars(path, |c| {
            c == '/' || unreserved(c) || sub_delim(c) || matches!(c, ':' | '|' | '@')
        })
}

/// `validateUrlQuery` and `validateUrlFragment`: `(pchar|\/|\?)*`.
fn valid_query(q: &str) -> bool {
    all_pchars(q, |c| {
        matches!(c, '/' | '?' | ':' | '|' | '@') || unreserved(c) || sub_delim(c)
    })
}

/// A regex node of the tiny backtracking matcher.
enum Node {
    /// One character of a class.
    Class(fn(char) -> bool),
    /// One literal character.
    Lit(char),
    /// Nodes in sequence.
    Seq(Vec<Node>),
    /// Alternatives, tried in order.
    Alt(Vec<Node>),
    /// Greedy repetition between `min` and `max` times.
    Rep(Box<Node>, usize, usize),
}

impl Node {
    /// Tries to match at `i`, calling `k` with each end in priority order
    /// until it returns true.
    fn matches(&self, s: &[char], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
        match self {
            Node::Class(f) => s.get(i).is_some_and(|&c| f(c)) && k(i + 1),
            Node::Lit(l) => s.get(i).is_some_and(|c| c.eq_ignore_ascii_case(l)) && k(i + 1),
            Node::Seq(nodes) => seq(nodes, s, i, k),
            Node::Alt(nodes) => nodes.iter().any(|n| n.matches(s, i, k)),
            Node::Rep(node, min, max) => {
                if let Node::Class(f) = **node {
                    // A class repeated: no recursion per character.
                    let run = s[i.min(s.len())..]
                        .iter()
                        .take(*max)
                        .take_while(|&&c| f(c))
                        .count();
                    return (*min..=run).rev().any(|n| k(i + n));
                }
                rep(node, *min, *max, 0, s, i, k)
            }
        }
    }
}

/// Matches `nodes` one after the other.
fn seq(nodes: &[Node], s: &[char], i: usize, k: &mut dyn FnMut(usize) -> bool) -> bool {
    match nodes.split_first() {
        None => k(i),
        Some((first, rest)) => first.matches(s, i, &mut |j| seq(rest, s, j, k)),
    }
}

/// Greedy repetition; an iteration that matches nothing ends it.
fn rep(
    node: &Node,
    min: usize,
    max: usize,
    done: usize,
    s: &[char],
    i: usize,
    k: &mut dyn FnMut(usize) -> bool,
) -> bool {
    if done < max
        && node.matches(s, i, &mut |j| {
            j > i && rep(node, min, max, done + 1, s, j, k)
        })
    {
        return true;
    }
    done >= min && k(i)
}

/// Shorthands for building nodes.
fn lit(c: char) -> Node {
    Node::Lit(c)
}
fn class(f: fn(char) -> bool) -> Node {
    Node::Class(f)
}
fn star(n: Node) -> Node {
    Node::Rep(Box::new(n), 0, usize::MAX)
}
fn opt(n: Node) -> Node {
    Node::Rep(Box::new(n), 0, 1)
}

/// A character predicate.
type CharFn = fn(char) -> bool;

/// `validateUrlAuthority` or, with `unicode`, `validateUrlUnicodeAuthority`.
fn authority(unicode: bool) -> Node {
    // Built per use: nodes are not shared.
    let dec = || {
        Node::Alt(vec![
            class(|c| c.is_ascii_digit()),
            Node::Seq(vec![
                class(|c| matches!(c, '1'..='9')),
                class(|c| c.is_ascii_digit()),
            ]),
            Node::Seq(vec![
                lit('1'),
                class(|c| c.is_ascii_digit()),
                class(|c| c.is_ascii_digit()),
            ]),
            Node::Seq(vec![
                lit('2'),
                class(|c| matches!(c, '0'..='4')),
                class(|c| c.is_ascii_digit()),
            ]),
            Node::Seq(vec![lit('2'), lit('5'), class(|c| matches!(c, '0'..='5'))]),
        ])
    };
    let ipv4 = Node::Seq(vec![
        dec(),
        Node::Rep(Box::new(Node::Seq(vec![lit('.'), dec()])), 3, 3),
    ]);
    let ipv6 = Node::Seq(vec![
        lit('['),
        Node::Rep(
            Box::new(class(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')),
            1,
            usize::MAX,
        ),
        lit(']'),
    ]);
    let ip = Node::Alt(vec![ipv4, ipv6]);
    // Label shapes: first char, middle chars, last char.
    let (seg_end, seg_mid, sub_mid, tld_first): (CharFn, CharFn, CharFn, CharFn) = if unicode {
        (
            |c| c.is_ascii_alphanumeric() || !c.is_ascii(),
            |c| c.is_ascii_alphanumeric() || c == '-' || !c.is_ascii(),
            |c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii(),
            |c| c.is_ascii_alphabetic() || !c.is_ascii(),
        )
    } else {
        (
            |c| c.is_ascii_alphanumeric(),
            |c| c.is_ascii_alphanumeric() || c == '-',
            |c| c.is_ascii_alphanumeric() || c == '-' || c == '_',
            |c| c.is_ascii_alphabetic(),
        )
    };
    let label = |first: fn(char) -> bool, mid: fn(char) -> bool| {
        Node::Seq(vec![
            class(first),
            opt(Node::Seq(vec![star(class(mid)), class(seg_end)])),
        ])
    };
    let domain = Node::Seq(vec![
        star(Node::Seq(vec![label(seg_end, sub_mid), lit('.')])),
        Node::Seq(vec![label(seg_end, seg_mid), lit('.')]),
        label(tld_first, seg_mid),
    ]);
    let host = Node::Alt(vec![ip, domain]);
    let pct = || {
        Node::Seq(vec![
            lit('%'),
            class(|c| c.is_ascii_hexdigit()),
            class(|c| c.is_ascii_hexdigit()),
        ])
    };
    let userinfo = star(Node::Alt(vec![
        class(unreserved),
        pct(),
        class(sub_delim),
        lit(':'),
    ]));
    let port = Node::Seq(vec![
        lit(':'),
        Node::Rep(Box::new(class(|c| c.is_ascii_digit())), 1, 5),
    ]);
    Node::Seq(vec![
        opt(Node::Seq(vec![userinfo, lit('@')])),
        host,
        opt(port),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_authorities_are_refused_without_exhausting_the_stack() {
        let url = format!("http://{}com/", "a.".repeat(100_000));
        assert!(!is_valid_url(&url, true, true));
        let long_but_real = format!("http://{}example.com/", "abcdefghi.".repeat(24));
        assert!(is_valid_url(&long_but_real, true, true));
    }

    #[test]
    fn first_match_must_be_the_whole_authority() {
        assert!(is_valid_url("http://1.2.3.4", true, true));
        assert!(!is_valid_url("http://1.2.3.45", true, true));
        assert!(is_valid_url(
            "http://user:pw@example.com:8080/x",
            true,
            true
        ));
        assert!(!is_valid_url("http://example.com:123456", true, true));
        assert!(is_valid_url("http://例え.テスト", true, true));
        assert!(!is_valid_url("http://例え.テスト", false, true));
        assert!(!is_valid_url("http://a.com/#x\ny", true, true));
    }

    #[test]
    fn lists_and_names() {
        assert!(is_valid_list("＠a/b"));
        assert!(!is_valid_list("@a/b "));
        assert!(is_valid_username("＠abc"));
        assert!(!is_valid_username("@abc@def"));
    }
}
