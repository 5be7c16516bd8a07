//! A vector strategy that shrinks to a local minimum: proptest's own
//! (`collection::vec`) tries deleting each element once, in one pass, so an
//! element that mattered early (a file evicting another, since removed)
//! stays in the shrunk case, and it stops altogether at the first element
//! that cannot be complicated back. This one repeats the deletion pass
//! while a deletion sticks, then shrinks the elements one after the other,
//! then deletes again.

use std::fmt::Debug;
use std::ops::Range;

use proptest::strategy::{NewTree, Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// Vectors of `element` with a length in `size`.
pub fn vec<S: Strategy>(element: S, size: Range<usize>) -> VecOf<S> {
    VecOf { element, size }
}

#[derive(Debug)]
pub struct VecOf<S> {
    element: S,
    size: Range<usize>,
}

impl<S: Strategy> Strategy for VecOf<S> {
    type Tree = VecTree<S::Tree>;
    type Value = Vec<S::Value>;

    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        let len = self.size.clone().new_tree(runner)?.current();
        let elements = (0..len)
            .map(|_| self.element.new_tree(runner))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(VecTree {
            included: vec![true; len],
            elements,
            min: self.size.start,
            step: Step::Delete(0),
            last: None,
            deleted: false,
            shrunk: false,
        })
    }
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Delete(usize),
    Shrink(usize),
}

pub struct VecTree<T> {
    elements: Vec<T>,
    included: Vec<bool>,
    min: usize,
    step: Step,
    /// The last simplification, until the next one (it stuck) or its undo.
    last: Option<Step>,
    /// A deletion stuck in this pass / an element shrank since the last pass.
    deleted: bool,
    shrunk: bool,
}

impl<T: ValueTree> ValueTree for VecTree<T> {
    type Value = Vec<T::Value>;

    fn current(&self) -> Vec<T::Value> {
        self.elements
            .iter()
            .zip(&self.included)
            .filter(|(_, keep)| **keep)
            .map(|(e, _)| e.current())
            .collect()
    }

    fn simplify(&mut self) -> bool {
        match self.last.take() {
            Some(Step::Delete(_)) => self.deleted = true,
            Some(Step::Shrink(_)) => self.shrunk = true,
            None => {}
        }
        loop {
            match self.step {
                Step::Delete(ix) if ix >= self.elements.len() => {
                    self.step = if std::mem::take(&mut self.deleted) {
                        Step::Delete(0)
                    } else {
                        Step::Shrink(0)
                    };
                }
                Step::Delete(ix) => {
                    self.step = Step::Delete(ix + 1);
                    let count = self.included.iter().filter(|&&k| k).count();
                    if self.included[ix] && count > self.min {
                        self.included[ix] = false;
                        self.last = Some(Step::Delete(ix));
                        return true;
                    }
                }
                Step::Shrink(ix) if ix >= self.elements.len() => {
                    if !std::mem::take(&mut self.shrunk) {
                        return false;
                    }
                    self.step = Step::Delete(0);
                }
                Step::Shrink(ix) => {
                    if self.included[ix] && self.elements[ix].simplify() {
                        self.last = Some(Step::Shrink(ix));
                        return true;
                    }
                    self.step = Step::Shrink(ix + 1);
                }
            }
        }
    }

    fn complicate(&mut self) -> bool {
        match self.last {
            None => false,
            Some(Step::Delete(ix)) => {
                self.included[ix] = true;
                self.last = None;
                true
            }
            Some(Step::Shrink(ix)) => {
                if self.elements[ix].complicate() {
                    return true;
                }
                // The element is back where it last failed. proptest's
                // trees answer `false` here, which ends all shrinking;
                // instead, have the runner test it again and go on with the
                // next element (if it passes after all, the next call
                // answers `false`).
                self.last = None;
                self.step = Step::Shrink(ix + 1);
                true
            }
        }
    }
}

impl<T: Debug> Debug for VecTree<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VecTree")
            .field("len", &self.elements.len())
            .field("step", &self.step)
            .finish()
    }
}
