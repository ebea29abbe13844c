//! Bounds checked on the raw tokens, before syn parses anything: syn's
//! parsers recurse once per level of a type and take time quadratic in the
//! length of a number literal, so input past these bounds would overflow
//! rustc's stack or stall the build instead of getting an error. Both walks
//! here are iterative.

use proc_macro2::{Span, TokenStream, TokenTree};

use crate::attr::MAX_LITERAL;
use crate::ctxt::Ctxt;

/// The deepest nesting accepted: brackets, parentheses and braces, generic
/// angle brackets, and runs of `&`/`*` (each a level of syn's type parser).
/// A real signature nests a handful of levels; well past this, syn's
/// recursion in a debug-built proc macro exhausts rustc's 8 MiB stack.
pub const MAX_DEPTH: usize = 64;

/// Reports number literals longer than [`MAX_LITERAL`] and nesting deeper
/// than [`MAX_DEPTH`] anywhere in `tokens`; true when there was none.
pub fn check(cx: &Ctxt, tokens: &TokenStream) -> bool {
    let mut ok = true;
    let mut deep_reported = false;
    // (remaining tokens of a group, its depth)
    let mut stack: Vec<(proc_macro2::token_stream::IntoIter, usize)> =
        vec![(tokens.clone().into_iter(), 0)];
    // Levels opened by `<` or a run of `&`/`*`, over all groups: a stray
    // `>` or `<` only makes the count approximate, never unbounded.
    let mut angles: usize = 0;
    let mut run: usize = 0;
    while let Some((iter, depth)) = stack.last_mut() {
        let depth = *depth;
        let Some(tt) = iter.next() else {
            stack.pop();
            continue;
        };
        let level = depth + angles + run;
        if level > MAX_DEPTH && !deep_reported {
            deep_reported = true;
            ok = false;
            too_deep(cx, tt.span());
        }
        match tt {
            TokenTree::Group(g) => {
                run = 0;
                stack.push((g.stream().into_iter(), depth + 1));
            }
            TokenTree::Punct(p) => match p.as_char() {
                '<' => {
                    angles += 1;
                    run = 0;
                }
                '>' => {
                    angles = angles.saturating_sub(1);
                    run = 0;
                }
                '&' | '*' => run += 1,
                // `&'a &'a T`: a lifetime does not end the run.
                '\'' => {}
                _ => run = 0,
            },
            TokenTree::Literal(l) => {
                run = 0;
                let len = l.to_string().len();
                if len > MAX_LITERAL && l.to_string().starts_with(|c: char| c.is_ascii_digit()) {
                    ok = false;
                    cx.error_at(
                        l.span(),
                        format!("this number is {len} characters long; no register value or array length needs more than {MAX_LITERAL}"),
                    );
                }
            }
            TokenTree::Ident(_) => {}
        }
    }
    ok
}

fn too_deep(cx: &Ctxt, span: Span) {
    cx.error_at(
        span,
        format!("this type nests more than {MAX_DEPTH} levels deep, more than `#[seamcall]` reads (it would overflow the compiler's stack); name the inner part with a `type` alias and use the alias here"),
    );
}
