using System.Text.Json.Nodes;
using Webhook.Aws.Tests.Fixtures;
using Webhook.Storage;

namespace Webhook.Aws.Tests.Drift;

/// <summary>
/// The DynamoDB tables of the template against the definitions the hosts create them from (Webhook.Storage), read
/// back from the synthesized JSON: names, key schemas, attribute types, indexes and their projections, time to live.
/// </summary>
[Collection(SharedSynthesis.Name)]
public class TableDefinitionTests(SynthesizedApp app)
{
    IEnumerable<DynamoTable> Definitions()
    {
        var options = new StatsOptions { TablePrefix = app.Settings.TablePrefix };
        return [.. new StatsTables(options).Definitions(), new SingleUseTokenTable(options).Definition];
    }

    JsonObject Declared(string name) =>
        Assert.Single(app.DataJson.Resources("AWS::DynamoDB::Table"), t => (string?)t.Properties["TableName"] == name).Properties;

    [Fact]
    public void Should_declare_exactly_the_tables_the_hosts_define()
    {
        var declared = app.DataJson.Resources("AWS::DynamoDB::Table").Select(t => (string)t.Properties["TableName"]!).Order();

        Assert.Equal(Definitions().Select(d => d.Name).Order(), declared);
    }

    [Fact]
    public void Should_give_each_table_the_keys_attributes_and_indexes_of_its_definition()
    {
        foreach (var definition in Definitions())
        {
            var request = definition.Definition;
            var table = Declared(definition.Name);

            Assert.Equal(Keys(request.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value))), Keys(table["KeySchema"]));
            Assert.Equal(
                request.AttributeDefinitions.Select(a => $"{a.AttributeName}:{a.AttributeType.Value}").Order(),
                table["AttributeDefinitions"]!.AsArray().Select(a => $"{a!["AttributeName"]}:{a["AttributeType"]}").Order());

            var indexes = (table["GlobalSecondaryIndexes"]?.AsArray() ?? []).ToDictionary(i => (string)i!["IndexName"]!, i => i!);
            Assert.Equal((request.GlobalSecondaryIndexes ?? []).Select(i => i.IndexName).Order(), indexes.Keys.Order());
            foreach (var index in request.GlobalSecondaryIndexes ?? [])
            {
                Assert.Equal(Keys(index.KeySchema.Select(k => (k.AttributeName, k.KeyType.Value))), Keys(indexes[index.IndexName]["KeySchema"]));
                Assert.Equal(index.Projection.ProjectionType.Value, (string?)indexes[index.IndexName]["Projection"]!["ProjectionType"]);
            }

            var ttl = table["TimeToLiveSpecification"];
            Assert.Equal(definition.TimeToLiveAttribute, (string?)ttl?["AttributeName"]);
            Assert.Equal(definition.TimeToLiveAttribute is not null, (bool?)ttl?["Enabled"] ?? false);
        }
    }

    [Fact]
    public void Should_bill_every_table_on_demand_with_point_in_time_recovery_and_keep_it_when_the_stack_goes()
    {
        foreach (var definition in Definitions())
        {
            var table = Declared(definition.Name);
            Assert.Equal("PAY_PER_REQUEST", (string?)table["BillingMode"]);
            Assert.True((bool?)table["PointInTimeRecoverySpecification"]?["PointInTimeRecoveryEnabled"]);
            Assert.True((bool?)table["DeletionProtectionEnabled"]);
        }
        Assert.All(app.DataJson.Root["Resources"]!.AsObject().Where(r => (string?)r.Value!["Type"] == "AWS::DynamoDB::Table"),
            r => Assert.Equal("Retain", (string?)r.Value!["DeletionPolicy"]));
    }

    static string[] Keys(IEnumerable<(string Name, string Type)> schema) => [.. schema.Select(k => $"{k.Name}:{k.Type}")];

    static string[] Keys(JsonNode? schema) => Keys(schema!.AsArray().Select(k => ((string)k!["AttributeName"]!, (string)k["KeyType"]!)));
}
