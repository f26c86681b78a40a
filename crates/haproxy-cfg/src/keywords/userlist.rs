//! `userlist` section keywords: `user` and `group` (configuration manual 3.4).

use super::{Handler, Keyword, Scope, Support};
use crate::model::{Group, Password, User};

pub(crate) const KEYWORDS: &[Keyword] = &[
    Keyword::new(
        "group",
        Scope::USERLIST,
        Support::Yes,
        Handler::Userlist(|u, _, a| {
            let (name, rest) = a
                .split_first()
                .ok_or("'group' expects <name> as argument")?;
            if u.groups.iter().any(|g| &g.name == name) {
                return Err(format!("duplicate group '{name}' in userlist '{}'", u.name));
            }
            let mut g = Group {
                name: name.clone(),
                users: Vec::new(),
            };
            match rest {
                [] => {}
                [k, list] if k == "users" => {
                    g.users = list.split(',').map(str::to_string).collect()
                }
                _ => {
                    return Err(format!(
                        "'group {name}' : expects 'users' followed by a comma-separated list"
                    ))
                }
            }
            u.groups.push(g);
            Ok(())
        }),
    ),
    Keyword::new(
        "user",
        Scope::USERLIST,
        Support::Yes,
        Handler::Userlist(|u, _, a| {
            let (name, rest) = a.split_first().ok_or("'user' expects <name> as argument")?;
            if u.users.iter().any(|x| &x.name == name) {
                return Err(format!("duplicate user '{name}' in userlist '{}'", u.name));
            }
            let mut password = None;
            let mut groups = Vec::new();
            let mut i = 0;
            while i < rest.len() {
                let v = rest
                    .get(i + 1)
                    .ok_or_else(|| format!("'user {name}' : '{}' expects an argument", rest[i]))?;
                match rest[i].as_str() {
                    "password" => password = Some(Password::Hash(v.clone())),
                    "insecure-password" => password = Some(Password::Insecure(v.clone())),
                    "groups" => groups = v.split(',').map(str::to_string).collect(),
                    o => {
                        return Err(format!(
                            "'user {name}' : unexpected '{o}' (expected 'password', 'insecure-password' or 'groups')"
                        ))
                    }
                }
                i += 2;
            }
            let password = password.ok_or_else(|| {
                format!("'user {name}' : missing 'password' or 'insecure-password'")
            })?;
            u.users.push(User {
                name: name.clone(),
                password,
                groups,
            });
            Ok(())
        }),
    ),
];
