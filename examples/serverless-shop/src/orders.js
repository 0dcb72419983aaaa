// Orders API: lists and creates orders. Deliberately weak, see ../README.md.
const { execSync } = require("child_process");
const AWS = require("aws-sdk");

const orders = new AWS.DynamoDB.DocumentClient();

exports.handler = async (event) => {
  try {
    if (event.httpMethod === "POST") {
      const order = JSON.parse(event.body);
      await orders.put({ TableName: process.env.ORDERS_TABLE, Item: order }).promise();
      // Renders the invoice with a command-line tool: the customer name goes to a shell.
      execSync(`render-invoice --customer "${order.customer}" --id ${order.id}`);
      return { statusCode: 201, body: JSON.stringify({ id: order.id }) };
    }
    const result = await orders.scan({ TableName: process.env.ORDERS_TABLE }).promise();
    return { statusCode: 200, body: JSON.stringify(result.Items) };
  } catch (err) {
    return { statusCode: 500, body: JSON.stringify({ error: err.message, stack: err.stack }) };
  }
};
