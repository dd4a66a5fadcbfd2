export function ErrorBanner({ error, what }: { error: Error | undefined; what?: string }) {
  if (error === undefined || error.name === 'AbortError') return null;
  return (
    <div className="error" role="alert">
      {what ? <strong>{what}: </strong> : null}
      {error.message}
    </div>
  );
}
