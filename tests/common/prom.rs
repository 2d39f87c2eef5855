//! Reading Prometheus text exposition in tests (shared by the `api` and `projections_nats` test
//! binaries through `#[path]`).

/// The value of the sample of `name` whose labels include every `labels` pair.
pub fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            let rest = series.strip_prefix(name)?;
            let rest = if rest.is_empty() {
                rest
            } else {
                rest.strip_prefix('{')?.strip_suffix('}')?
            };
            let present: Vec<&str> = rest.split(',').collect();
            labels
                .iter()
                .all(|(k, v)| present.contains(&format!("{k}=\"{v}\"").as_str()))
                .then(|| value.parse().ok())?
        })
}
