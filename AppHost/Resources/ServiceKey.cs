namespace Platform.AppHost.Resources;

/// <summary>
/// The service credential every service gets as <c>Platform__ServiceKey</c> (Auth checks it on <c>/internal/*</c>, the
/// others present it): made once next to the admin key, never printed.
/// </summary>
public static class ServiceKey
{
    public const string FileName = "service-key";

    public static GeneratedSecret LoadOrCreate(string dataDirectory) => GeneratedSecret.LoadOrCreate(dataDirectory, FileName, "svc_");
}
