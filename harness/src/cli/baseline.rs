//! `perfgate baseline save|accept|list|show`.

use std::path::Path;

use crate::cli::Result;
use crate::cli::args::BaselineAction;

pub fn baseline(root: &Path, action: BaselineAction) -> Result<u8> {
    use crate::baseline::{self, Promotion};
    match action {
        BaselineAction::Save {
            name,
            from,
            reason,
            profile,
            allow_dirty,
        } => {
            let from = match from {
                Some(from) => from,
                None => baseline::latest_results(root)?,
            };
            let file = baseline::promote(&Promotion {
                root,
                profile: &profile,
                name: &name,
                from: &from,
                reason: reason.as_deref(),
                accept: false,
                allow_dirty,
            })?;
            crate::outln!("saved {} from {}", file.display(), from.display());
        }
        BaselineAction::Accept {
            name,
            from,
            reason,
            profile,
            allow_dirty,
        } => {
            let file = baseline::promote(&Promotion {
                root,
                profile: &profile,
                name: &name,
                from: &from,
                reason: Some(&reason),
                accept: true,
                allow_dirty,
            })?;
            crate::outln!(
                "accepted {} from {}: {reason}",
                file.display(),
                from.display()
            );
        }
        BaselineAction::List { profile } => {
            for line in baseline::list(root, &profile)? {
                crate::outln!("{line}");
            }
        }
        BaselineAction::Show { name, profile } => {
            let file = baseline::resolve(root, &profile, &name)?;
            let results = crate::results::Results::load(&file)?;
            crate::out!("{}", baseline::show(&name, &file, &results));
        }
    }
    Ok(0)
}
