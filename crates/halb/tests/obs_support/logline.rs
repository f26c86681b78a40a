//! Strict parsers for the log lines HAProxy sends: the RFC 3164 syslog header and the
//! default `option httplog` / `option tcplog` message layouts (configuration manual 8.2.2 and
//! 8.2.3). Each field is checked for its shape, like a regex would, and kept for the test to
//! compare with what it knows (client port, names, status, bytes).

/// `<PRI>Mmm dd hh:mm:ss [host ]tag[pid]: message`.
#[derive(Debug, Clone)]
pub struct Rfc3164 {
    pub pri: u32,
    pub timestamp: String,
    pub host: Option<String>,
    pub tag: String,
    pub pid: u32,
    pub msg: String,
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn num<T: std::str::FromStr>(s: &str, what: &str) -> Result<T, String> {
    if s.is_empty()
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
    {
        return Err(format!("{what}: {s:?} is not a number"));
    }
    s.parse()
        .map_err(|_| format!("{what}: {s:?} is not a number"))
}

/// `<PRI>` at the start of a datagram; the value and the rest.
pub fn split_pri(line: &str) -> Result<(u32, &str), String> {
    let rest = line
        .strip_prefix('<')
        .ok_or_else(|| format!("no <PRI> in {line:?}"))?;
    let (p, rest) = rest
        .split_once('>')
        .ok_or_else(|| format!("no <PRI> in {line:?}"))?;
    Ok((num(p, "PRI")?, rest))
}

impl Rfc3164 {
    pub fn parse(line: &str) -> Result<Rfc3164, String> {
        let (pri, rest) = split_pri(line)?;
        // "Mmm dd hh:mm:ss " is 16 bytes, the day padded with a space.
        let ts = rest
            .get(..15)
            .ok_or_else(|| format!("short header in {line:?}"))?;
        let b = ts.as_bytes();
        let ok = MONTHS.contains(&&ts[..3])
            && b[3] == b' '
            && (b[4] == b' ' || b[4].is_ascii_digit())
            && b[5].is_ascii_digit()
            && b[6] == b' '
            && b[9] == b':'
            && b[12] == b':'
            && [7, 8, 10, 11, 13, 14]
                .iter()
                .all(|&i| b[i].is_ascii_digit());
        if !ok || rest.as_bytes().get(15) != Some(&b' ') {
            return Err(format!("bad RFC 3164 timestamp {ts:?} in {line:?}"));
        }
        let rest = &rest[16..];
        let (head, msg) = rest
            .split_once(": ")
            .ok_or_else(|| format!("no 'tag[pid]: ' in {line:?}"))?;
        let (host, tagpid) = match head.rsplit_once(' ') {
            Some((h, t)) => (Some(h.to_string()), t),
            None => (None, head),
        };
        let (tag, pid) = tagpid
            .strip_suffix(']')
            .and_then(|t| t.split_once('['))
            .ok_or_else(|| format!("no tag[pid] in {line:?}"))?;
        Ok(Rfc3164 {
            pri,
            timestamp: ts.to_string(),
            host,
            tag: tag.to_string(),
            pid: num(pid, "pid")?,
            msg: msg.to_string(),
        })
    }
}

/// `ci:cp [dd/Mmm/yyyy:hh:mm:ss.mmm] rest`; (ip, port, date, rest).
fn client_and_date(msg: &str) -> Result<(String, u16, String, &str), String> {
    let (cicp, rest) = msg
        .split_once(' ')
        .ok_or_else(|| format!("no client in {msg:?}"))?;
    let (ci, cp) = cicp
        .rsplit_once(':')
        .ok_or_else(|| format!("no ci:cp in {msg:?}"))?;
    let rest = rest
        .strip_prefix('[')
        .ok_or_else(|| format!("no [date] in {msg:?}"))?;
    let (date, rest) = rest
        .split_once("] ")
        .ok_or_else(|| format!("no [date] in {msg:?}"))?;
    // 23/Nov/2026:14:57:31.273
    let d = date.as_bytes();
    let ok = date.len() == 24
        && d[2] == b'/'
        && MONTHS.contains(&&date[3..6])
        && d[6] == b'/'
        && d[11] == b':'
        && d[14] == b':'
        && d[17] == b':'
        && d[20] == b'.';
    if !ok {
        return Err(format!("bad accept date {date:?} in {msg:?}"));
    }
    Ok((
        ci.to_string(),
        num(cp, "client port")?,
        date.to_string(),
        rest,
    ))
}

fn slashed(field: &str, n: usize, what: &str) -> Result<Vec<i64>, String> {
    let v: Vec<i64> = field
        .split('/')
        .map(|x| num::<i64>(x, what))
        .collect::<Result<_, _>>()?;
    if v.len() != n {
        return Err(format!(
            "{what}: {field:?} is not {n} numbers separated by /"
        ));
    }
    Ok(v)
}

fn backend_server(field: &str) -> Result<(String, String), String> {
    field
        .split_once('/')
        .map(|(b, s)| (b.to_string(), s.to_string()))
        .ok_or_else(|| format!("no backend/server in {field:?}"))
}

/// The default `option httplog` message.
#[derive(Debug, Clone)]
pub struct HttpLog {
    pub client_ip: String,
    pub client_port: u16,
    pub accept_date: String,
    pub frontend: String,
    pub backend: String,
    pub server: String,
    /// TR/Tw/Tc/Tr/Ta
    pub timers: Vec<i64>,
    pub status: i64,
    pub bytes: i64,
    pub req_cookie: String,
    pub resp_cookie: String,
    pub termination: String,
    /// actconn/feconn/beconn/srv_conn/retries
    pub conns: Vec<i64>,
    /// srv_queue/backend_queue
    pub queues: Vec<i64>,
    /// `{...}` blocks: captured request headers first, then response headers.
    pub captures: Vec<String>,
    pub request: String,
}

impl HttpLog {
    pub fn parse(msg: &str) -> Result<HttpLog, String> {
        let (client_ip, client_port, accept_date, rest) = client_and_date(msg)?;
        // Fixed fields first, then `{...}` capture blocks (their values may hold spaces), then
        // the request line in double quotes (it may hold spaces too).
        let mut parts = rest.splitn(11, ' ');
        let mut next = |what: &str| {
            parts
                .next()
                .ok_or_else(|| format!("missing {what} in {msg:?}"))
        };
        let frontend = next("frontend")?.to_string();
        let (backend, server) = backend_server(next("backend/server")?)?;
        let timers = slashed(next("timers")?, 5, "TR/Tw/Tc/Tr/Ta")?;
        let status = num(next("status")?, "status")?;
        let bytes = num(next("bytes")?, "bytes")?;
        let req_cookie = next("captured request cookie")?.to_string();
        let resp_cookie = next("captured response cookie")?.to_string();
        let termination = next("termination state")?.to_string();
        if termination.len() != 4 {
            return Err(format!("termination state {termination:?} is not 4 chars"));
        }
        let conns = slashed(next("connection counts")?, 5, "ac/fc/bc/sc/rc")?;
        let queues = slashed(next("queues")?, 2, "sq/bq")?;
        let mut tail = next("request")?;
        let mut captures = Vec::new();
        while let Some(block) = tail.strip_prefix('{') {
            let (c, after) = block
                .split_once("} ")
                .ok_or_else(|| format!("unclosed capture block in {msg:?}"))?;
            captures.push(c.to_string());
            tail = after;
        }
        let request = tail
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .ok_or_else(|| format!("request not in double quotes in {msg:?}"))?
            .to_string();
        Ok(HttpLog {
            client_ip,
            client_port,
            accept_date,
            frontend,
            backend,
            server,
            timers,
            status,
            bytes,
            req_cookie,
            resp_cookie,
            termination,
            conns,
            queues,
            captures,
            request,
        })
    }
}

/// The default `option tcplog` message.
#[derive(Debug, Clone)]
pub struct TcpLog {
    pub client_ip: String,
    pub client_port: u16,
    pub frontend: String,
    pub backend: String,
    pub server: String,
    /// Tw/Tc/Tt
    pub timers: Vec<i64>,
    pub bytes: i64,
    pub termination: String,
    pub conns: Vec<i64>,
    pub queues: Vec<i64>,
}

impl TcpLog {
    pub fn parse(msg: &str) -> Result<TcpLog, String> {
        let (client_ip, client_port, _date, rest) = client_and_date(msg)?;
        let f: Vec<&str> = rest.split(' ').collect();
        if f.len() != 7 {
            return Err(format!("tcplog wants 7 fields after the date, got {msg:?}"));
        }
        let (backend, server) = backend_server(f[1])?;
        if f[4].len() != 2 {
            return Err(format!("termination state {:?} is not 2 chars", f[4]));
        }
        Ok(TcpLog {
            client_ip,
            client_port,
            frontend: f[0].to_string(),
            backend,
            server,
            timers: slashed(f[2], 3, "Tw/Tc/Tt")?,
            bytes: num(f[3], "bytes")?,
            termination: f[4].to_string(),
            conns: slashed(f[5], 5, "ac/fc/bc/sc/rc")?,
            queues: slashed(f[6], 2, "sq/bq")?,
        })
    }
}

/// Whether `logged` is an acceptable `%B` for response `r` as the client received it.
///
/// HAProxy 2.6 counts the response as its internal HTX representation, which is the bytes on
/// the wire minus 4 per header line (the ": " and CRLF of each header are not stored);
/// measured: a 200 with 2 headers is 8 bytes short, its own 503 page with 4 headers 16 short.
/// The exact wire count is what the manual describes ("the total number of bytes transmitted
/// to the client ... does include HTTP headers"), so either is accepted, nothing else.
pub fn log_bytes_match(logged: i64, r: &e2e::HttpResponse) -> bool {
    let wire = (r.raw_head.len() + r.body.len()) as i64;
    let htx = wire - 4 * r.headers.len() as i64;
    logged == wire || logged == htx
}
