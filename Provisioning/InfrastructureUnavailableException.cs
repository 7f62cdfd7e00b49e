namespace Platform.Provisioning;

/// <summary>No option (configuration, container, local binaries) could provide a server; the message says how to provide one.</summary>
public sealed class InfrastructureUnavailableException : Exception
{
    public InfrastructureUnavailableException()
    {
    }

    public InfrastructureUnavailableException(string message)
        : base(message)
    {
    }

    public InfrastructureUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
