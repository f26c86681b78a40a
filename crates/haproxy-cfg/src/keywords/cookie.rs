//! `cookie NAME [insert|rewrite|prefix] [options]` persistence (configuration manual 4.2).

use super::{Handler, Keyword, Scope, Support};
use crate::model::{CookieMode, CookiePersistence};
use crate::values::parse_time;

pub(crate) const KEYWORDS: &[Keyword] = &[Keyword::new(
    "cookie",
    Scope::BE,
    Support::Partial(
        "insert, rewrite, prefix and every option except 'dynamic' (no dynamic-cookie-key)",
    ),
    Handler::Proxy(|p, c, a| {
        let (name, opts) = a
            .split_first()
            .ok_or("'cookie' expects <cookie_name> as argument")?;
        let mut ck = CookiePersistence {
            name: name.clone(),
            mode: CookieMode::Passive,
            indirect: false,
            nocache: false,
            postonly: false,
            preserve: false,
            httponly: false,
            secure: false,
            domains: Vec::new(),
            maxidle: None,
            maxlife: None,
            dynamic: false,
            attrs: Vec::new(),
            location: c.loc.clone(),
        };
        let mut i = 0;
        while i < opts.len() {
            let o = opts[i].as_str();
            let value = || {
                opts.get(i + 1)
                    .cloned()
                    .ok_or_else(|| format!("'cookie' : '{o}' expects an argument"))
            };
            match o {
                "insert" => ck.mode = CookieMode::Insert,
                "rewrite" => ck.mode = CookieMode::Rewrite,
                "prefix" => ck.mode = CookieMode::Prefix,
                "indirect" => ck.indirect = true,
                "nocache" => ck.nocache = true,
                "postonly" => ck.postonly = true,
                "preserve" => ck.preserve = true,
                "httponly" => ck.httponly = true,
                "secure" => ck.secure = true,
                "dynamic" => ck.dynamic = true,
                "domain" => {
                    ck.domains.push(value()?);
                    i += 1;
                }
                "maxidle" => {
                    ck.maxidle = Some(parse_time(&value()?, "cookie maxidle")?);
                    i += 1;
                }
                "maxlife" => {
                    ck.maxlife = Some(parse_time(&value()?, "cookie maxlife")?);
                    i += 1;
                }
                "attr" => {
                    ck.attrs.push(value()?);
                    i += 1;
                }
                _ => {
                    return Err(format!(
                        "'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'maxlife', 'dynamic' and 'attr' options, got '{o}'"
                    ))
                }
            }
            i += 1;
        }
        p.cookie = Some(ck);
        Ok(())
    }),
)];
