namespace Platform.Provisioning;

public enum RedisFlavor
{
    /// <summary>redis-server when installed, else the garnet-server tool.</summary>
    Auto,
    RedisServer,
    Garnet,
}
