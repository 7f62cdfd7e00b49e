namespace Platform.Provisioning;

public sealed class RedisResource : ProvisionedResource
{
    private readonly IRedisServerControl? _control;

    internal RedisResource(string connectionString, string source, string flavor, IRedisServerControl? control)
        : base(connectionString, source, control is null ? NothingToRelease : control.DisposeAsync)
    {
        Flavor = flavor;
        _control = control;
    }

    /// <summary><c>redis-server</c>, <c>garnet</c> or <c>external</c>.</summary>
    public string Flavor { get; }

    /// <summary>Stops the server (for failure drills). The port stays reserved for <see cref="StartAsync"/>.</summary>
    public Task StopAsync() => Control.StopAsync();

    /// <summary>Starts the server again on the same port and waits until it answers PING.</summary>
    public Task StartAsync() => Control.StartAsync();

    private IRedisServerControl Control => _control
        ?? throw new NotSupportedException("A Redis server given in configuration is not ours to stop or start.");
}

internal interface IServerControl
{
    Task StopAsync();

    Task StartAsync();
}

internal interface IRedisServerControl : IServerControl, IAsyncDisposable
{
}
