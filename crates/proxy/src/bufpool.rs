//! Per-thread pool of fixed-size buffers (`tune.bufsize`).
//!
//! A connection takes a buffer only when data arrives and gives it back as soon as it has
//! nothing buffered, so thousands of idle connections cost no buffer memory (HAProxy's
//! behaviour, and what keeps memory per idle connection near 1 KiB).

use std::cell::RefCell;
use std::ops::{Deref, DerefMut};
use std::rc::Rc;

#[derive(Debug)]
pub struct BufPool {
    size: usize,
    /// Most buffers kept free; beyond that they go back to the allocator.
    keep: usize,
    free: RefCell<Vec<Box<[u8]>>>,
}

impl BufPool {
    pub fn new(size: usize, keep: usize) -> Rc<BufPool> {
        Rc::new(BufPool {
            size,
            keep,
            free: RefCell::new(Vec::new()),
        })
    }

    pub fn get(self: &Rc<Self>) -> PooledBuf {
        let buf = self
            .free
            .borrow_mut()
            .pop()
            .unwrap_or_else(|| vec![0u8; self.size].into_boxed_slice());
        PooledBuf {
            buf: Some(buf),
            pool: Rc::clone(self),
        }
    }

    fn put(&self, buf: Box<[u8]>) {
        let mut free = self.free.borrow_mut();
        if free.len() < self.keep && buf.len() == self.size {
            free.push(buf);
        }
    }

    #[cfg(test)]
    fn free_len(&self) -> usize {
        self.free.borrow().len()
    }
}

/// A buffer on loan from a [`BufPool`]; returned on drop.
#[derive(Debug)]
pub struct PooledBuf {
    buf: Option<Box<[u8]>>,
    pool: Rc<BufPool>,
}

impl Deref for PooledBuf {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        self.buf.as_deref().unwrap_or(&[])
    }
}

impl DerefMut for PooledBuf {
    fn deref_mut(&mut self) -> &mut [u8] {
        self.buf.as_deref_mut().unwrap_or(&mut [])
    }
}

impl Drop for PooledBuf {
    fn drop(&mut self) {
        if let Some(b) = self.buf.take() {
            self.pool.put(b);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_up_to_the_keep_limit() {
        let pool = BufPool::new(64, 1);
        let a = pool.get();
        let b = pool.get();
        assert_eq!(a.len(), 64);
        drop(a);
        drop(b);
        assert_eq!(pool.free_len(), 1);
        let _c = pool.get();
        assert_eq!(pool.free_len(), 0);
    }
}
