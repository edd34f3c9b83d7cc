console.log("rally");
