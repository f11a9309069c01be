namespace Webhook.Aws.Tests.Fixtures;

/// <summary>Shorthands for CDK's template matchers.</summary>
public static class TemplateMatch
{
    /// <summary>An object of properties, as <c>Template.HasResourceProperties</c> and <c>Match.ObjectLike</c> take it.</summary>
    public static Dictionary<string, object> Props(params (string Key, object Value)[] properties) => properties.ToDictionary(p => p.Key, p => p.Value);
}
