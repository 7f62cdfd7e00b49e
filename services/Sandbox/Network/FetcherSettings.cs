namespace Platform.Sandbox.Network;

/// <summary>Where DNS answers come from and which blocked addresses are nevertheless reachable.</summary>
public sealed record FetcherSettings
{
    public Func<string, CancellationToken, Task<System.Net.IPAddress[]>> Resolve { get; init; } =
        System.Net.Dns.GetHostAddressesAsync;

    /// <summary>
    /// Addresses exempt from <see cref="SsrfGuard.IsBlocked"/>. Exists only so tests can reach a listener on
    /// 127.0.0.1; production leaves it empty. It never exempts a URL literal, only a resolved address.
    /// </summary>
    public IReadOnlyCollection<System.Net.IPAddress> ExemptAddresses { get; init; } = [];
}
