//! Typed stat values as HAProxy reports them: a value (empty, u32, u64, s32, string) and the
//! origin/nature/scope tags that `show stat typed` prints as three letters and `show stat
//! json` as words (management manual section 9.3, "show stat typed").

/// What a `show stat` row describes (`objType` in JSON, the first letter in typed output).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjType {
    Frontend,
    Backend,
    Server,
}

impl ObjType {
    /// The `type` column: 0 frontend, 1 backend, 2 server (3 listener is not produced).
    pub fn code(self) -> u32 {
        match self {
            ObjType::Frontend => 0,
            ObjType::Backend => 1,
            ObjType::Server => 2,
        }
    }

    pub fn letter(self) -> char {
        match self {
            ObjType::Frontend => 'F',
            ObjType::Backend => 'B',
            ObjType::Server => 'S',
        }
    }

    pub fn json_name(self) -> &'static str {
        match self {
            ObjType::Frontend => "Frontend",
            ObjType::Backend => "Backend",
            ObjType::Server => "Server",
        }
    }
}

/// A field's three tags, kept as HAProxy's letters (`MCP` = Metric, Counter, Process).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tags {
    pub origin: u8,
    pub nature: u8,
    pub scope: u8,
}

impl Tags {
    /// From a three-letter code; unknown letters print as `?` / `Unknown` like HAProxy.
    pub fn from_code(code: &str) -> Tags {
        let b = code.as_bytes();
        let at = |i: usize| b.get(i).copied().unwrap_or(b'?');
        Tags {
            origin: at(0),
            nature: at(1),
            scope: at(2),
        }
    }

    pub fn code(self) -> [char; 3] {
        [
            char::from(self.origin),
            char::from(self.nature),
            char::from(self.scope),
        ]
    }

    pub fn origin_name(self) -> &'static str {
        match self.origin {
            b'M' => "Metric",
            b'S' => "Status",
            b'K' => "Key",
            b'C' => "Config",
            b'P' => "Product",
            _ => "Unknown",
        }
    }

    pub fn nature_name(self) -> &'static str {
        match self.nature {
            b'G' => "Gauge",
            b'L' => "Limit",
            b'm' => "Min",
            b'M' => "Max",
            b'R' => "Rate",
            b'C' => "Counter",
            b'D' => "Duration",
            b'A' => "Age",
            b'T' => "Time",
            b'N' => "Name",
            b'O' => "Output",
            b'a' => "Avg",
            _ => "Unknown",
        }
    }

    pub fn scope_name(self) -> &'static str {
        match self.scope {
            b'P' => "Process",
            b'S' => "Service",
            b's' => "System",
            b'C' => "Cluster",
            _ => "Unknown",
        }
    }
}

/// One value. `Empty` prints as an empty CSV cell and is left out of typed and JSON output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Value {
    #[default]
    Empty,
    U32(u32),
    U64(u64),
    S32(i32),
    Str(String),
}

impl Value {
    pub fn is_empty(&self) -> bool {
        matches!(self, Value::Empty)
    }

    /// The type word of typed and JSON output (`u32`, `str`, …); `None` when empty.
    pub fn type_name(&self) -> Option<&'static str> {
        match self {
            Value::Empty => None,
            Value::U32(_) => Some("u32"),
            Value::U64(_) => Some("u64"),
            Value::S32(_) => Some("s32"),
            Value::Str(_) => Some("str"),
        }
    }

    /// As a number (strings and empty are `None`), for Prometheus and the HTML page.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::U32(v) => Some(f64::from(*v)),
            Value::U64(v) => Some(*v as f64),
            Value::S32(v) => Some(f64::from(*v)),
            Value::Empty | Value::Str(_) => None,
        }
    }

    pub fn as_u64(&self) -> u64 {
        match self {
            Value::U32(v) => u64::from(*v),
            Value::U64(v) => *v,
            Value::S32(v) => u64::try_from(*v).unwrap_or(0),
            Value::Empty | Value::Str(_) => 0,
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Value::Str(s) => s,
            _ => "",
        }
    }
}

impl std::fmt::Display for Value {
    /// The bare value, as in CSV (without CSV quoting) and typed output.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Empty => Ok(()),
            Value::U32(v) => write!(f, "{v}"),
            Value::U64(v) => write!(f, "{v}"),
            Value::S32(v) => write!(f, "{v}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}
