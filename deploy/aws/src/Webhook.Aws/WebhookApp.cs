using Amazon.CDK;
using Webhook.Aws.Stacks;

namespace Webhook.Aws;

/// <summary>The production system as one CDK app: two stacks, split where their lifecycles differ.</summary>
public static class WebhookApp
{
    public const string DataStackName = "ScalableWebhook-Data";
    public const string ServicesStackName = "ScalableWebhook-Services";

    public static (DataStack Data, ServicesStack Services) Define(App app, WebhookSettings settings, Amazon.CDK.Environment? environment = null)
    {
        var data = new DataStack(app, DataStackName, settings, new StackProps
        {
            Env = environment,
            Description = "ScalableWebhook: network, broker, database, statistics tables, keys and alarm topic.",
        });
        var services = new ServicesStack(app, ServicesStackName, data, settings, new StackProps
        {
            Env = environment,
            Description = "ScalableWebhook: the API behind its load balancer, the Processor and the console behind its internal one, on ECS Fargate.",
        });
        services.AddDependency(data, "The services run in the data stack's network and use its broker, database and tables.");
        return (data, services);
    }

    /// <summary>The repository's root: the nearest directory above <paramref name="start"/> holding the solution.</summary>
    public static string FindRepositoryRoot(string start)
    {
        for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ScalableWebhook.sln")))
                return directory.FullName;
        }
        throw new DirectoryNotFoundException($"No ScalableWebhook.sln above {start}: run the app from inside the repository.");
    }
}
