use warden_code::engine::Engine;
use warden_code::project::Project;
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = std::path::PathBuf::from(&args[1]);
    let root = path.parent().unwrap().to_path_buf();
    let mut project = Project::new(root);
    let file = project.load(&path).expect("load");
    println!("problem: {:?}", project.files[file].problem);
    let mut engine = Engine::new(&mut project);
    let handler = engine.find_handler(file, &args[2]);
    println!("handler: {handler:?}");
    if let Some((f, id)) = handler { engine.analyse_handler(f, id); }
    engine.sweep();
    let out = std::mem::take(&mut engine.out);
    drop(engine);
    for hit in &out.sinks {
        println!("SINK {:?} {}", hit.kind, hit.sink);
        for step in &hit.steps {
            let text = &project.files[step.loc.file].text;
            let line = text[..step.loc.range.start as usize].lines().count();
            println!("    {}:{} {}", project.files[step.loc.file].path.display(), line, step.note);
        }
    }
    for leak in &out.leaks { println!("LEAK {leak:?}"); }
    for call in &out.sdk_calls { println!("SDK {:?} {} {:?} reach={}", call.client, call.method, call.params, call.reachable); }
    for u in &out.unresolved { println!("UNRESOLVED {u:?}"); }
}
