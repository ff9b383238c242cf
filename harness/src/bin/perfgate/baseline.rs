//! `perfgate baseline save|accept|list|show`.

use std::path::Path;

use crate::args::BaselineAction;

pub fn baseline(root: &Path, action: BaselineAction) -> anyhow::Result<u8> {
    use perfgate::baseline::{self, Promotion};
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
                None => baseline::latest_results(root).map_err(anyhow::Error::msg)?,
            };
            let file = baseline::promote(&Promotion {
                root,
                profile: &profile,
                name: &name,
                from: &from,
                reason: reason.as_deref(),
                accept: false,
                allow_dirty,
            })
            .map_err(anyhow::Error::msg)?;
            perfgate::outln!("saved {} from {}", file.display(), from.display());
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
            })
            .map_err(anyhow::Error::msg)?;
            perfgate::outln!(
                "accepted {} from {}: {reason}",
                file.display(),
                from.display()
            );
        }
        BaselineAction::List { profile } => {
            for line in baseline::list(root, &profile).map_err(anyhow::Error::msg)? {
                perfgate::outln!("{line}");
            }
        }
        BaselineAction::Show { name, profile } => {
            let file = baseline::resolve(root, &profile, &name).map_err(anyhow::Error::msg)?;
            let results = perfgate::results::Results::load(&file)?;
            perfgate::out!("{}", baseline::show(&name, &file, &results));
        }
    }
    Ok(0)
}
