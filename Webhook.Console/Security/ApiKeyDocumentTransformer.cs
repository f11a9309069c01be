using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Webhook.Console.Security;

/// <summary>Tells the OpenAPI document that every operation takes a key in the X-Api-Key header.</summary>
public sealed class ApiKeyDocumentTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "ScalableWebhook console";
        document.Info.Description = "Statistics for analysts (analyst or operator key), events and dead letters for operators (operator key). " +
            "Send the key in the X-Api-Key header.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey,
            In = ParameterLocation.Header,
            Name = ConsoleKeys.Header,
            Description = "Console:AnalystKey or Console:OperatorKey",
        };
        document.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, document)] = [] }];
        return Task.CompletedTask;
    }
}
