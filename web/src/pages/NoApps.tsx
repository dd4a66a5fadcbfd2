export function NoApps() {
  const origin = location.origin;
  return (
    <section className="empty" aria-labelledby="page-title">
      <h1 id="page-title">No apps yet</h1>
      <p>
        Point a Pyroscope client at <code>{origin}</code> (its server address), or send a profile by hand:
      </p>
      <pre>{`curl -X POST --data-binary 'main;work 100' '${origin}/ingest?name=my.app.cpu&from=now-10s&until=now'`}</pre>
      <p>It shows up here as soon as it is ingested (reload the page).</p>
    </section>
  );
}
