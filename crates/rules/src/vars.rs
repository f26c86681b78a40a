//! Transaction variables (`set-var(txn.x)`, `var(txn.x)`): a few named byte strings whose
//! storage is kept from one request to the next on the same connection.

#[derive(Debug, Default)]
pub struct Vars {
    entries: Vec<(Box<str>, Vec<u8>, bool)>,
}

impl Vars {
    /// Forgets every value; keeps the storage.
    pub fn clear(&mut self) {
        for e in &mut self.entries {
            e.1.clear();
            e.2 = false;
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|e| e.2 && *e.0 == *name)
            .map(|e| e.1.as_slice())
    }

    pub(crate) fn set(&mut self, name: &str, value: &[u8]) {
        match self.entries.iter_mut().find(|e| *e.0 == *name) {
            Some(e) => {
                e.1.clear();
                e.1.extend_from_slice(value);
                e.2 = true;
            }
            None => self.entries.push((name.into(), value.to_vec(), true)),
        }
    }

    pub(crate) fn unset(&mut self, name: &str) {
        if let Some(e) = self.entries.iter_mut().find(|e| *e.0 == *name) {
            e.1.clear();
            e.2 = false;
        }
    }
}
