//! Live findings back to the local template.
