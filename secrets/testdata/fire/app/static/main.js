const api = "https://api.corp.io";
const auth = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzZXJ2aWNlLWEiLCJyb2xlIjoiYWRtaW4ifQ.Tm9uU2Vuc2VTaWduYXR1cmVCeXRlczEyMzQ"; // want jwt
fetch(api, {headers: {Authorization: "Bearer " + auth}});
