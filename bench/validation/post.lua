-- POST one recipe per request: the same payload for both runs.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer bench-token-0123456789abcdef"
wrk.body = '{"name": "Pancakes", "ingredients": ["flour", "milk", "eggs", "butter"], ' ..
           '"steps": ["mix the batter", "rest 10 minutes", "fry both sides"]}'
