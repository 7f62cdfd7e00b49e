namespace Platform.Provisioning;

public abstract class ProvisionedResource : IAsyncDisposable
{
    private readonly Func<ValueTask> _release;
    private int _disposed;

    private protected ProvisionedResource(string connectionString, string source, Func<ValueTask> release)
    {
        ConnectionString = connectionString;
        Source = source;
        _release = release;
    }

    public string ConnectionString { get; }

    /// <summary><c>configuration</c>, <c>container</c> or <c>local:&lt;binary path&gt;</c>.</summary>
    public string Source { get; }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _release().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    internal static readonly Func<ValueTask> NothingToRelease = () => ValueTask.CompletedTask;
}
