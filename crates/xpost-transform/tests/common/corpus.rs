//! Deterministic caption generators shared by the differential test, the
//! benchmark and the fuzz seeds. No external randomness: the same seed gives
//! the same corpus on every machine, so a disagreement found once is found
//! again.

#![allow(dead_code)]

/// A small, fast, deterministic PRNG (xorshift64*), enough for test data.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (0 is replaced by a fixed constant).
    pub fn new(seed: u64) -> Self {
        Rng(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T: ?Sized>(&mut self, items: &[&'a T]) -> &'a T {
        items[self.below(items.len())]
    }
}

#[rustfmt::skip]
const LATIN: &[&str] = &[
    "the", "sunset", "was", "amazing", "today", "with", "friends", "and", "coffee", "in",
    "Paris", "new", "recipe", "link", "bio", "café", "naïve", "über", "façade", "Straße",
    "señor", "déjà", "vu", "Ærø", "Łódź", "İstanbul", "Dvořák", "résumé", "a", "I",
];
#[rustfmt::skip]
const OTHER_SCRIPTS: &[&str] = &[
    "привет", "мир", "Καλημέρα", "κόσμε", "שלום", "مرحبا", "بالعالم", "नमस्ते", "दुनिया",
    "สวัสดี", "ᐊᐃᓐᓇᐅᔪᖅ", "ሰላም", "გამარჯობა", "Բարեւ", "你好", "世界", "東京", "こんにちは",
    "カタカナ", "안녕하세요", "한국어", "ᄀᄀᄀ", "ㄱ", "ｆｕｌｌｗｉｄｔｈ", "半角ｶﾀｶﾅ", "ཀཁག",
    "မြန်မာ", "ລາວ", "ខ្មែរ", "𝓯𝓪𝓷𝓬𝔂", "𠀋𡈽", "ꙮ", "ᚠᚢᚦ", "𐌰𐌱", "ߊߋ", "ދިވެހި",
];
#[rustfmt::skip]
const EMOJI: &[&str] = &[
    "😀", "😂", "❤", "❤️", "✨", "✨️", "🔥", "👍", "👍🏽", "👍🏿", "🙏🏻", "👨‍👩‍👧‍👦",
    "👩‍❤️‍👨", "🏳️‍🌈", "🏳‍🌈", "🏴‍☠️", "🇯🇵", "🇺🇸", "🇫🇷", "🇦", "🇦🇦", "1️⃣", "1⃣", "#️⃣",
    "*️⃣", "©", "©️", "®", "®️", "™", "™️", "🏴󠁧󠁢󠁥󠁮󠁧󠁿", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "🧑‍🤝‍🧑", "🧑‍💻",
    "🫱🏻‍🫲🏿", "🥲", "🫠", "🦩", "👁️‍🗨️", "🧔‍♂️", "👨🏽‍🚀", "👩‍👩‍👦", "☺", "☺️", "↔️",
    "⌚", "⏩", "〰️", "🅰️", "🈯", "🧙🏾‍♀️", "🤷‍♂️", "🤷🏼‍♀️", "💁🏻‍♂️", "🕵️‍♀️", "🏌️‍♀️",
    "⛹🏽‍♂️", "🧑🏿‍🦰", "👨‍🦲", "\u{1F3FB}", "\u{200D}", "\u{FE0F}", "\u{20E3}", "🇪🇺",
];
#[rustfmt::skip]
const URLS: &[&str] = &[
    "https://www.instagram.com/p/Cx1AbC-d_9/", "http://example.com", "https://example.com/path?q=1&x=y#frag",
    "example.com", "www.example.co.uk/page", "Booking.com", "readme.md", "script.py", "doc.zip",
    "file.txt", "node.js", "t.co", "https://t.co/abc123", "t.co/abc123", "bit.ly/3xyz",
    "http://xn--n3h.com", "http://☃.net/", "https://例え.テスト/パス", "http://müller.de",
    "https://en.wikipedia.org/wiki/Rust_(programming_language)", "(example.com)", "example.com.",
    "https://example.com/a,b.", "http://a.b.c.d.example.org/x/y/z.html", "ftp://files.example.com",
    "https://sub_domain.example.com", "http://-bad.example.com", "https://example.com:8080/p",
    "HTTPS://EXAMPLE.COM", "https://example.com/😀", "www.google.com/search?q=a+b", "foo@example.com",
    "user.name+tag@mail.example.org", "http://1.2.3.4/", "https://youtu.be/dQw4w9WgXcQ",
    "https://example.com/very/long/path/that/goes/on/and/on/and/on/for/a/while/yes/indeed/it/does",
    "a.b", "google.comfoo", "example.中国", "example.рф", "http://example.com/path%20with",
    "http://x.com/#!/a", "https://example.com/?a=[1]", "example.com/~user", "https://✪df.ws/123",
];
#[rustfmt::skip]
const TAGS: &[&str] = &[
    "#sunset", "#travel", "#café", "#東京", "#한국", "#1", "#123abc", "#_", "#tag_with_underscore",
    "＃fullwidth", "#ñandú", "#hashtag#again", "&#39;", "#tag!", "#tag.", "#😀", "#a‍b", "#ट", "#ไทย",
    "#Дом", "#نص", "#x̃", "##double", "#tag://", "a#notatag",
];
#[rustfmt::skip]
const MENTIONS: &[&str] = &[
    "@bob", "@Bob_Smith", "@a", "@abcdefghijklmnopqrstu", "@user.name", "＠fullwidth", "@@double",
    "@_", "user@example.com", "@jack/list-name", "@jack/", "RT @someone:", "@bob's", "@ünïcode",
    ".@dotted", "@123", "@x_", "@user@host",
];
#[rustfmt::skip]
const CASHTAGS: &[&str] = &["$AAPL", "$tsla", "$BRK.A", "$GOOG_X", "$1", "$ABCDEFG", "$a", "US$5", "$$X"];
#[rustfmt::skip]
const PUNCT: &[&str] = &[
    ".", ",", "!", "?", "…", "...", ":", ";", "—", "–", "-", "(", ")", "\"", "'", "“", "”", "‘", "’",
    "«", "»", "/", "&", "+", "=", "*", "~", "|", "•", "·", "¡", "¿", "。", "、", "！", "？",
];
#[rustfmt::skip]
const SPACES: &[&str] = &[
    " ", " ", " ", " ", "\n", "\n\n", "\t", "\u{00A0}", "\u{2003}", "\u{3000}", "\u{200B}",
    "\u{2028}", "\u{2800}", "\r\n",
];
#[rustfmt::skip]
const ODD: &[&str] = &[
    "e\u{0301}", "A\u{030A}", "\u{212B}", "\u{1F71}", "\u{1100}\u{1161}\u{11A8}", "\u{0958}",
    "\u{FB2C}", "\u{FFFE}", "\u{FEFF}", "\u{FFFF}", "\u{202A}", "\u{202B}", "\u{202C}", "\u{202D}",
    "\u{202E}", "\u{2066}", "\u{2067}", "\u{2068}", "\u{2069}", "\u{200E}", "\u{200F}", "\u{0000}",
    "\u{001F}", "\u{007F}", "\u{0085}", "\u{2060}", "\u{FE0E}", "\u{E000}", "\u{10FFFF}",
    "\u{1D11E}", "o\u{0308}\u{0304}", "\u{0915}\u{094D}\u{0937}", "\u{AC00}", "ǅ", "ﬁ", "\u{2126}",
];

/// One building block of an adversarial caption.
fn piece(rng: &mut Rng, out: &mut String) {
    let s = match rng.below(100) {
        0..=29 => rng.pick(LATIN),
        30..=41 => rng.pick(OTHER_SCRIPTS),
        42..=55 => rng.pick(EMOJI),
        56..=64 => rng.pick(URLS),
        65..=71 => rng.pick(TAGS),
        72..=77 => rng.pick(MENTIONS),
        78..=80 => rng.pick(CASHTAGS),
        81..=89 => rng.pick(PUNCT),
        90..=94 => rng.pick(ODD),
        _ => {
            // A random code point from anywhere, surrogates excluded by char::from_u32.
            let cp = match rng.below(4) {
                0 => rng.below(0x80) as u32,
                1 => rng.below(0x3000) as u32,
                2 => rng.below(0x10000) as u32,
                _ => rng.below(0x11_0000) as u32,
            };
            if let Some(c) = char::from_u32(cp) {
                out.push(c);
            }
            return;
        }
    };
    out.push_str(s);
}

/// An adversarial caption: every script, emoji of every kind, URLs, entities,
/// odd and invalid characters, glued with and without spaces, up to about
/// `max_chars` characters.
pub fn adversarial_caption(rng: &mut Rng, max_chars: usize) -> String {
    let target = match rng.below(10) {
        0 => rng.below(20),
        1..=5 => rng.below(300),
        6..=8 => rng.below(max_chars.min(800)),
        _ => rng.below(max_chars),
    };
    let mut out = String::new();
    let mut chars = 0;
    while chars < target {
        let before = out.len();
        piece(rng, &mut out);
        if rng.chance(75) {
            out.push_str(rng.pick(SPACES));
        } else if rng.chance(30) {
            out.push_str(rng.pick(PUNCT));
        }
        chars += out[before..].chars().count();
    }
    out
}

/// A realistic Instagram caption: mostly words, a few emoji, hashtags at the
/// end, sometimes a mention, a link or another script.
pub fn realistic_caption(rng: &mut Rng) -> String {
    let mut out = String::new();
    let sentences = 1 + rng.below(6);
    for _ in 0..sentences {
        let words = 4 + rng.below(14);
        for w in 0..words {
            if w > 0 {
                out.push(' ');
            }
            match rng.below(100) {
                0..=79 => out.push_str(rng.pick(LATIN)),
                80..=85 => out.push_str(rng.pick(OTHER_SCRIPTS)),
                86..=91 => out.push_str(rng.pick(EMOJI)),
                92..=95 => out.push_str(rng.pick(MENTIONS)),
                96..=97 => out.push_str(rng.pick(URLS)),
                _ => out.push_str(rng.pick(CASHTAGS)),
            }
        }
        out.push_str(rng.pick(&[".", "!", "?", " ✨", "…"]));
        out.push(if rng.chance(30) { '\n' } else { ' ' });
    }
    if rng.chance(70) {
        out.push('\n');
        for _ in 0..1 + rng.below(12) {
            out.push_str(rng.pick(TAGS));
            out.push(' ');
        }
    }
    out
}
