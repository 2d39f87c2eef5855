//! Given/when/then tests of the series aggregate.
