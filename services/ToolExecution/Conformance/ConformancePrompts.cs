using System.ComponentModel;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Platform.ToolExecution.Conformance;

/// <summary>The <c>test_*</c> prompts of the conformance suite.</summary>
[McpServerPromptType]
public sealed class ConformancePrompts
{
    [McpServerPrompt(Name = "test_simple_prompt", Title = "Simple Test Prompt")]
    [Description("Conformance fixture: a prompt without arguments.")]
    public static IEnumerable<PromptMessage> Simple() => [User(new TextContentBlock { Text = "This is a simple prompt for testing." })];

    [McpServerPrompt(Name = "test_prompt_with_arguments", Title = "Prompt With Arguments")]
    [Description("Conformance fixture: a prompt with two required arguments, substituted into its text.")]
    public static IEnumerable<PromptMessage> WithArguments(
        [Description("First test argument")] string arg1,
        [Description("Second test argument")] string arg2) =>
        [User(new TextContentBlock { Text = $"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'" })];

    [McpServerPrompt(Name = "test_prompt_with_embedded_resource", Title = "Prompt With Embedded Resource")]
    [Description("Conformance fixture: a prompt that embeds a resource.")]
    public static IEnumerable<PromptMessage> WithEmbeddedResource([Description("URI of the resource to embed")] string resourceUri) =>
    [
        User(new EmbeddedResourceBlock
        {
            Resource = new TextResourceContents { Uri = resourceUri, MimeType = "text/plain", Text = "Embedded resource content for testing." },
        }),
        User(new TextContentBlock { Text = "Please process the embedded resource above." }),
    ];

    [McpServerPrompt(Name = "test_prompt_with_image", Title = "Prompt With Image")]
    [Description("Conformance fixture: a prompt that includes an image.")]
    public static IEnumerable<PromptMessage> WithImage() =>
    [
        User(ImageContentBlock.FromBytes(ConformanceContent.Png, "image/png")),
        User(new TextContentBlock { Text = "Please analyze the image above." }),
    ];

    private static PromptMessage User(ContentBlock content) => new() { Role = Role.User, Content = content };
}
