using Aspire.Hosting.ApplicationModel;

namespace Platform.Provisioning.Local;

/// <summary>
/// A server from the machine's binaries (postgres, redis-server, garnet) run by Aspire like any executable, with a
/// connection string fixed when the model is built: its loopback port is chosen then and kept across stop and start,
/// so clients reconnect to the same address.
/// </summary>
public sealed class LocalServerResource(string name, string command, string workingDirectory, string connectionString)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    internal string ConnectionString => connectionString;

    public ReferenceExpression ConnectionStringExpression { get; } = ReferenceExpression.Create($"{connectionString}");
}
