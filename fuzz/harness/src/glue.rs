//! A model of how the binding (`web::keeper`, js/keeper.js before it) drives the keeper: it keeps
//! the string of the token held (the keeper keeps only its times), reads each answer as
//! `web::claims::read` does ([`crate::tokens::read`]),
//! and tells the keeper whether an answer or a rejected token is the one held. As `Glued` in the
//! main crate's tests/common/mod.rs.

use crate::tokens::{read, SUB};
use connect_token::core::error::Error;
use connect_token::core::keeper::{Answer, AskId, Keeper, Notice, Settings, Step};
use connect_token::core::session::Subject;
use connect_token::core::token::Read;
use connect_token::core::Now;
use std::ops::{Deref, DerefMut};

#[derive(Debug, Clone)]
pub struct Glued {
    keeper: Keeper,
    /// The token held and what the browser read from it (the glue would read it again from the
    /// string; keeping it lets a session answer with tokens whose `Read` is given, not derived).
    held: Option<(String, Read)>,
}

impl Glued {
    pub fn new(settings: Settings) -> Glued {
        Glued { keeper: Keeper::new(settings), held: None }
    }

    /// The token source answered ask `id` with the token `raw` (read as `web::claims` reads it),
    /// or failed.
    pub fn answered(&mut self, now: Now, id: AskId, answer: Result<&str, Error>) -> Step {
        self.answered_as(now, id, answer.map(|raw| (raw, read(raw))))
    }

    /// Like [`Glued::answered`], with what the browser read from the token given.
    pub fn answered_as(&mut self, now: Now, id: AskId, answer: Result<(&str, Read), Error>) -> Step {
        let raw = answer.as_ref().ok().map(|(raw, read)| (raw.to_string(), *read));
        let answer = answer.map(|(raw, read)| Answer { same_as_held: self.is_held(raw), read });
        let step = self.keeper.answered(now, id, answer);
        if step.notices.contains(&Notice::Renewed) {
            self.held = raw;
            // Every host token the harness makes speaks for the same user (tokens::claims).
            self.keeper.host_user(Subject::Text(SUB.into()));
        }
        step
    }

    /// A request with the token `raw` was rejected (or `token({forceRefresh})` was called).
    pub fn force(&mut self, now: Now, raw: &str) -> Step {
        let is_held = self.is_held(raw);
        self.keeper.force(now, is_held)
    }

    /// Whether `raw` is the token held (`Object::is` against the held token in web::keeper).
    pub fn is_held(&self, raw: &str) -> bool {
        self.held.as_ref().is_some_and(|(held, _)| held == raw)
    }

    /// The string of the token held, usable or not.
    pub fn held_token(&self) -> Option<&str> {
        self.held.as_ref().map(|(raw, _)| raw.as_str())
    }

    /// What the browser read from the token held.
    pub fn held_read(&self) -> Option<Read> {
        self.held.as_ref().map(|(_, read)| *read)
    }

    /// The token string handed out now, if any.
    pub fn usable_token(&self, now: Now) -> Option<&str> {
        self.keeper.usable(now).and(self.held_token())
    }

    pub fn keeper(&self) -> &Keeper {
        &self.keeper
    }
}

impl Deref for Glued {
    type Target = Keeper;
    fn deref(&self) -> &Keeper {
        &self.keeper
    }
}

impl DerefMut for Glued {
    fn deref_mut(&mut self) -> &mut Keeper {
        &mut self.keeper
    }
}
