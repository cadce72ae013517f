//! Tweet templates such as `{caption}\n\n{permalink}`.
//!
//! A template is parsed once and rendered many times. Literal text is copied
//! as is; `{name}` is replaced by a [`Vars`] field; `{{` and `}}` stand for
//! literal braces. Parsing rejects unknown names and stray braces up front,
//! so rendering cannot fail.
//!
//! The variables other than the caption follow the caption's mention rule:
//! a handle they bring in (`by @{username}`, a date or tag holding `@name`)
//! becomes an X mention only when [`Vars::mentions`] maps it, and is
//! neutralised otherwise (see [`crate::mention_map`]). The caption is not
//! touched (the caller rewrites it with the same map), nor is a mention
//! written in the template itself: that is the operator's, written for X.

use std::fmt;
use std::str::FromStr;

use crate::error::TransformError;
use crate::mention_map::MentionMap;

/// A variable a template may refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Variable {
    /// `{caption}`: the Instagram caption (the only part fitting may shorten).
    Caption,
    /// `{permalink}`: the Instagram post's URL.
    Permalink,
    /// `{username}`: the Instagram username.
    Username,
    /// `{hashtags}`: the given hashtags as `#a #b`.
    Hashtags,
    /// `{date}`: the post's date, already formatted by the caller.
    Date,
}

impl Variable {
    /// The name used between braces.
    pub fn name(self) -> &'static str {
        match self {
            Variable::Caption => "caption",
            Variable::Permalink => "permalink",
            Variable::Username => "username",
            Variable::Hashtags => "hashtags",
            Variable::Date => "date",
        }
    }

    fn from_name(name: &str) -> Option<Variable> {
        [
            Variable::Caption,
            Variable::Permalink,
            Variable::Username,
            Variable::Hashtags,
            Variable::Date,
        ]
        .into_iter()
        .find(|v| v.name() == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Var(Variable),
}

/// A parsed template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    source: String,
    pieces: Vec<Piece>,
}

/// The values a template is rendered with. Unset fields render as empty text.
///
/// ```
/// use xpost_transform::template::Vars;
/// let tags = vec!["rust".to_owned()];
/// let vars = Vars::default().caption("Hello").hashtags(&tags);
/// assert_eq!(vars.caption, "Hello");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Vars<'a> {
    /// The caption.
    pub caption: &'a str,
    /// The permalink.
    pub permalink: &'a str,
    /// The username.
    pub username: &'a str,
    /// Hashtags, with or without a leading `#`; rendered as `#a #b`.
    pub hashtags: &'a [String],
    /// The date, already formatted.
    pub date: &'a str,
    /// How handles brought in by the variables other than the caption are
    /// rewritten; `None` neutralises them all. The caption is the caller's
    /// to rewrite (see [`MentionMap::apply`]).
    pub mentions: Option<&'a MentionMap>,
}

impl<'a> Vars<'a> {
    /// Sets the caption.
    pub fn caption(mut self, caption: &'a str) -> Self {
        self.caption = caption;
        self
    }

    /// Sets the permalink.
    pub fn permalink(mut self, permalink: &'a str) -> Self {
        self.permalink = permalink;
        self
    }

    /// Sets the username.
    pub fn username(mut self, username: &'a str) -> Self {
        self.username = username;
        self
    }

    /// Sets the hashtags.
    pub fn hashtags(mut self, hashtags: &'a [String]) -> Self {
        self.hashtags = hashtags;
        self
    }

    /// Sets the date.
    pub fn date(mut self, date: &'a str) -> Self {
        self.date = date;
        self
    }

    /// Sets the map for handles in the variables other than the caption.
    pub fn mentions(mut self, map: &'a MentionMap) -> Self {
        self.mentions = Some(map);
        self
    }
}

/// Whether `text` holds a sign that can start a mention.
fn has_at_sign(text: &str) -> bool {
    text.contains(['@', '＠'])
}

/// A hashtag without its leading `#` or `＃`.
pub(crate) fn bare_hashtag(tag: &str) -> &str {
    tag.trim().strip_prefix(['#', '＃']).unwrap_or(tag.trim())
}

/// `#a #b` for the given tags; empty tags are skipped.
pub(crate) fn render_hashtags(tags: &[String]) -> String {
    let mut out = String::new();
    for tag in tags
        .iter()
        .map(|t| bare_hashtag(t))
        .filter(|t| !t.is_empty())
    {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push('#');
        out.push_str(tag);
    }
    out
}

impl Template {
    /// Parses a template.
    ///
    /// # Errors
    /// [`TransformError::UnknownVariable`] for a `{name}` this crate does not know,
    /// [`TransformError::BadTemplate`] for an unclosed `{` or a lone `}`.
    pub fn parse(source: &str) -> Result<Template, TransformError> {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut chars = source.char_indices().peekable();
        while let Some((at, c)) = chars.next() {
            match c {
                '{' if chars.peek().map(|&(_, n)| n) == Some('{') => {
                    chars.next();
                    literal.push('{');
                }
                '}' if chars.peek().map(|&(_, n)| n) == Some('}') => {
                    chars.next();
                    literal.push('}');
                }
                '{' => {
                    let rest = &source[at + 1..];
                    let close = rest
                        .find(['}', '{'])
                        .filter(|&i| rest[i..].starts_with('}'));
                    let Some(close) = close else {
                        return Err(TransformError::BadTemplate(format!(
                            "unclosed '{{' at byte {at}"
                        )));
                    };
                    let name = &rest[..close];
                    let var = Variable::from_name(name)
                        .ok_or_else(|| TransformError::UnknownVariable(name.to_owned()))?;
                    if !literal.is_empty() {
                        pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Var(var));
                    // Skip the name and the closing brace.
                    for _ in 0..name.chars().count() + 1 {
                        chars.next();
                    }
                }
                '}' => {
                    return Err(TransformError::BadTemplate(format!(
                        "lone '}}' at byte {at}; write '}}}}' for a literal brace"
                    )));
                }
                other => literal.push(other),
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        Ok(Template {
            source: source.to_owned(),
            pieces,
        })
    }

    /// The template text this was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the template refers to `var`.
    pub fn uses(&self, var: Variable) -> bool {
        self.pieces.contains(&Piece::Var(var))
    }

    /// Renders the template with `vars`.
    pub fn render(&self, vars: &Vars<'_>) -> String {
        self.render_with_caption(vars, vars.caption)
    }

    /// Renders with `caption` in place of `vars.caption`.
    pub(crate) fn render_with_caption(&self, vars: &Vars<'_>, caption: &str) -> String {
        let mut out = String::with_capacity(self.source.len() + caption.len() + 64);
        // Where the variables other than the caption landed in `out`.
        let mut spans = Vec::new();
        let mut at_sign = false;
        for piece in &self.pieces {
            let start = out.len();
            match piece {
                Piece::Literal(text) => out.push_str(text),
                Piece::Var(Variable::Caption) => out.push_str(caption),
                Piece::Var(Variable::Permalink) => out.push_str(vars.permalink),
                Piece::Var(Variable::Username) => out.push_str(vars.username),
                Piece::Var(Variable::Hashtags) => out.push_str(&render_hashtags(vars.hashtags)),
                Piece::Var(Variable::Date) => out.push_str(vars.date),
            }
            let added = &out[start..];
            at_sign |= match piece {
                // A handle reaching into a variable starts in the caption's last word.
                Piece::Var(Variable::Caption) => {
                    has_at_sign(added.rsplit(char::is_whitespace).next().unwrap_or(""))
                }
                _ => has_at_sign(added),
            };
            if matches!(piece, Piece::Var(v) if *v != Variable::Caption) && !added.is_empty() {
                spans.push(start..out.len());
            }
        }
        if spans.is_empty() || !at_sign {
            return out;
        }
        // An Instagram username or a handle in a date or tag is no more an X
        // mention than one in the caption.
        match vars.mentions {
            Some(map) => map.apply_within(&out, &spans),
            None => MentionMap::new().apply_within(&out, &spans),
        }
    }
}

impl FromStr for Template {
    type Err = TransformError;

    fn from_str(source: &str) -> Result<Self, Self::Err> {
        Template::parse(source)
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_variable() {
        let tags = vec!["a".to_owned(), "#b".to_owned(), " ".to_owned()];
        let vars = Vars::default()
            .caption("Cap")
            .permalink("https://instagram.com/p/x")
            .username("me")
            .hashtags(&tags)
            .date("2026-01-02");
        let t =
            Template::parse("{caption} by {username} on {date} {hashtags}\n{permalink}").unwrap();
        assert_eq!(
            t.render(&vars),
            "Cap by me on 2026-01-02 #a #b\nhttps://instagram.com/p/x"
        );
        assert!(t.uses(Variable::Date));
    }

    #[test]
    fn doubled_braces_are_literal() {
        let t = Template::parse("{{x}} {caption}}}").unwrap();
        assert_eq!(t.render(&Vars::default().caption("c")), "{x} c}");
        assert!(!t.uses(Variable::Permalink));
        let t = Template::parse("é{{{caption}}}ü").unwrap();
        assert_eq!(t.render(&Vars::default().caption("c")), "é{c}ü");
    }

    #[test]
    fn bad_templates_are_typed_errors() {
        assert_eq!(
            Template::parse("{nope}"),
            Err(TransformError::UnknownVariable("nope".into()))
        );
        assert_eq!(
            Template::parse("{Caption}"),
            Err(TransformError::UnknownVariable("Caption".into()))
        );
        assert!(matches!(
            Template::parse("{caption"),
            Err(TransformError::BadTemplate(_))
        ));
        assert!(matches!(
            Template::parse("{cap{tion}"),
            Err(TransformError::BadTemplate(_))
        ));
        assert!(matches!(
            Template::parse("a } b"),
            Err(TransformError::BadTemplate(_))
        ));
    }

    #[test]
    fn display_round_trips() {
        let t: Template = "{caption} {{}}".parse().unwrap();
        assert_eq!(t.to_string(), "{caption} {{}}");
        assert_eq!(t.source(), "{caption} {{}}");
    }
}
