using System.ComponentModel;
using System.Text.Json;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Platform.ToolExecution.Conformance;

/// <summary>The <c>test://</c> resources of the conformance suite: text, binary, a template and one to subscribe to.</summary>
[McpServerResourceType]
public sealed class ConformanceResources
{
    [McpServerResource(UriTemplate = "test://static-text", Name = "static-text", Title = "Static Text Resource", MimeType = "text/plain")]
    [Description("Conformance fixture: a static text resource.")]
    public static ResourceContents StaticText() =>
        new TextResourceContents { Uri = "test://static-text", MimeType = "text/plain", Text = "This is the content of the static text resource." };

    [McpServerResource(UriTemplate = "test://static-binary", Name = "static-binary", Title = "Static Binary Resource", MimeType = "image/png")]
    [Description("Conformance fixture: a static binary resource (a PNG image).")]
    public static ResourceContents StaticBinary() => BlobResourceContents.FromBytes(ConformanceContent.Png, "test://static-binary", "image/png");

    [McpServerResource(UriTemplate = "test://template/{id}/data", Name = "template", Title = "Resource Template", MimeType = "application/json")]
    [Description("Conformance fixture: a resource template whose content names the id it was read with.")]
    public static ResourceContents Template(string id) => new TextResourceContents
    {
        Uri = $"test://template/{id}/data",
        MimeType = "application/json",
        Text = JsonSerializer.Serialize(new Dictionary<string, object> { ["id"] = id, ["templateTest"] = true, ["data"] = $"Data for ID: {id}" }),
    };

    [McpServerResource(UriTemplate = "test://watched-resource", Name = "watched-resource", Title = "Watched Resource", MimeType = "text/plain")]
    [Description("Conformance fixture: a resource clients may subscribe to.")]
    public static ResourceContents Watched() =>
        new TextResourceContents { Uri = "test://watched-resource", MimeType = "text/plain", Text = "Watched resource content" };
}
