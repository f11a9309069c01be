using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Webhook.Processor.Data.Migrations
{
    /// <inheritdoc />
    public partial class InboxRetainedRows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "retained",
                table: "inbox_messages",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "retained",
                table: "inbox_messages");
        }
    }
}
