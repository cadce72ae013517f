//! Graph field selection: `fields=id,caption,children{media_url}`.

/// One selected field, with its nested selection for edges such as `children{…}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// Field name.
    pub name: String,
    /// Nested fields (empty: the edge's default, `id`).
    pub sub: Vec<Field>,
}

/// Parses a `fields` value. Unbalanced braces end the nested list where the text ends.
pub fn parse(input: &str) -> Vec<Field> {
    let mut chars = input.chars().peekable();
    parse_list(&mut chars)
}

fn parse_list(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Vec<Field> {
    let mut out = Vec::new();
    let mut name = String::new();
    while let Some(c) = chars.next() {
        match c {
            ',' => push(&mut out, &mut name, Vec::new()),
            '{' => {
                let sub = parse_list(chars);
                push(&mut out, &mut name, sub);
                if chars.peek() == Some(&',') {
                    chars.next();
                }
            }
            '}' => break,
            c if c.is_whitespace() => {}
            c => name.push(c),
        }
    }
    push(&mut out, &mut name, Vec::new());
    out
}

fn push(out: &mut Vec<Field>, name: &mut String, sub: Vec<Field>) {
    if !name.is_empty() {
        out.push(Field {
            name: std::mem::take(name),
            sub,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_children_are_parsed() {
        let f = parse("id,children{media_url,id},timestamp");
        let names: Vec<&str> = f.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "children", "timestamp"]);
        assert_eq!(f[1].sub.len(), 2);
        assert_eq!(f[1].sub[0].name, "media_url");
        assert!(parse("").is_empty());
    }
}
